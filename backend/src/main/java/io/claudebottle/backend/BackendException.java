package io.claudebottle.backend;

/** A bottle could not be brought up or down; the message says what and how to fix it. */
public class BackendException extends RuntimeException {

    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
