package io.claudebottle.dlp;

import java.util.List;
import java.util.Set;

/**
 * The DLP engine's public face, used by the egress proxy, the git-gate and {@code bottle scan}.
 * Implementations are immutable and thread-safe. Matching is linear-time on any input.
 */
public interface SecretScanner {

    /** The built-in rule set, with the fastest matcher available on this machine. */
    static SecretScanner defaults() {
        return DlpEngine.defaultEngine();
    }

    /**
     * The built-in rules plus {@code extra} (e.g. a manifest's {@code dlp.rules}), dropping any
     * finding whose secret matches one of {@code allowRegexes} (RE2 syntax).
     *
     * @throws IllegalArgumentException naming the rule or pattern that is invalid
     */
    static SecretScanner withRules(List<Rule> extra, List<String> allowRegexes) {
        if (extra.isEmpty() && allowRegexes.isEmpty()) return defaults();
        List<Rule> all = new java.util.ArrayList<>(RuleFile.builtIn());
        all.addAll(extra);
        return DlpEngine.create(all, allowRegexes, MatchPath.best());
    }

    /** Exactly {@code rules}, with the given allow-list, on the given match path (tests, benchmarks). */
    static SecretScanner create(List<Rule> rules, List<String> allowRegexes, MatchPath path) {
        return DlpEngine.create(rules, allowRegexes, path);
    }

    /** Scans text, including encoded layers (base64, hex, URL-encoding...) found inside it. */
    List<Finding> scan(CharSequence text);

    /** Scans bytes (decoded as UTF-8, invalid sequences replaced). */
    List<Finding> scan(byte[] bytes);

    /**
     * Scans a whole body given its HTTP {@code Content-Type} and {@code Content-Encoding}
     * (either may be null): decodes gzip/deflate/br, extracts JSON, form and multipart fields.
     */
    BodyVerdict scanBody(byte[] body, String contentType, String contentEncoding);

    /** A streaming scan over raw (already content-decoded) bytes. */
    StreamScan stream();

    /** This scanner without the given rules (per-host exemptions). */
    SecretScanner without(Set<String> ruleIds);

    /** This scanner ignoring exact occurrences of these values (e.g. a token the proxy itself injects). */
    SecretScanner ignoringValues(Set<String> values);

    /** One line for logs: rule count and match path. */
    default String describe() {
        return getClass().getSimpleName();
    }
}
