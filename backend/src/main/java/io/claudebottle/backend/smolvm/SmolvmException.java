package io.claudebottle.backend.smolvm;

import io.claudebottle.backend.BackendException;

/**
 * A smolmachines-backend failure the user can act on: every message names the file, machine or
 * command involved and says what to do about it.
 */
public final class SmolvmException extends BackendException {

    public SmolvmException(String message) {
        super(message);
    }

    public SmolvmException(String message, Throwable cause) {
        super(message, cause);
    }
}
