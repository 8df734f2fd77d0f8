package io.claudebottle.sidecar;

import io.claudebottle.dlp.BodyVerdict;
import io.claudebottle.dlp.Finding;
import io.claudebottle.dlp.SecretScanner;
import io.claudebottle.dlp.StreamScan;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The sidecar's DLP engine while it is still being built: the services are set up and bound with
 * this in hand, and the engine is handed in when ready ({@link #complete}). Fail closed: a scan
 * waits for the engine, and throws if building it failed, so nothing is ever scanned by less than
 * the engine (the sidecar opens its services only once it is in place, so in practice no scan waits).
 */
final class PendingScanner implements SecretScanner {
    private final CompletableFuture<SecretScanner> engine;

    PendingScanner() {
        this(new CompletableFuture<>());
    }

    private PendingScanner(CompletableFuture<SecretScanner> engine) {
        this.engine = engine;
    }

    void complete(SecretScanner ready) {
        engine.complete(ready);
    }

    void fail(Throwable cause) {
        engine.completeExceptionally(cause);
    }

    private SecretScanner engine() {
        try {
            return engine.join();
        } catch (CompletionException e) {
            throw new IllegalStateException("the DLP engine could not be built: " + e.getCause().getMessage(), e.getCause());
        }
    }

    @Override
    public List<Finding> scan(CharSequence text) {
        return engine().scan(text);
    }

    @Override
    public List<Finding> scan(byte[] bytes) {
        return engine().scan(bytes);
    }

    @Override
    public BodyVerdict scanBody(byte[] body, String contentType, String contentEncoding) {
        return engine().scanBody(body, contentType, contentEncoding);
    }

    @Override
    public StreamScan stream() {
        return engine().stream();
    }

    @Override
    public SecretScanner without(Set<String> ruleIds) {
        return new PendingScanner(engine.thenApply(e -> e.without(ruleIds)));
    }

    @Override
    public SecretScanner ignoringValues(Set<String> values) {
        return new PendingScanner(engine.thenApply(e -> e.ignoringValues(values)));
    }

    @Override
    public String describe() {
        return engine.isDone() && !engine.isCompletedExceptionally() ? engine().describe() : "DLP engine (being built)";
    }
}
