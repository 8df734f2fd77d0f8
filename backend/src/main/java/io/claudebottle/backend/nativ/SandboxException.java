package io.claudebottle.backend.nativ;

import io.claudebottle.backend.BackendException;

/** A native sandbox could not be created, entered or torn down; the message names the cause and the fix. */
public final class SandboxException extends BackendException {

    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
