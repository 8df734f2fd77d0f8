package io.claudebottle.dlp;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One detection rule: the same fields in the built-in rule file, a {@code --rules FILE} and the
 * manifest's {@code dlp.rules}.
 *
 * @param id          stable identifier, {@code [a-z0-9][a-z0-9._-]*}
 * @param description what the rule detects
 * @param regex       RE2 syntax (linear time); matched against normalised, decoded text
 * @param keywords    case-insensitive literals, one of which occurs in every match (the pure-Java
 *                    prefilter); empty means the rule is tried on every line
 * @param minEntropy  minimum Shannon entropy (bits/char) of the secret, 0 for none
 * @param secretGroup capture group holding the secret, 0 for the whole match
 */
public record Rule(String id, String description, String regex, List<String> keywords, double minEntropy, int secretGroup) {
    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    /** Patterns are immutable: validating a rule and compiling it for matching share one compile. */
    private static final java.util.Map<String, Pattern> COMPILED = new java.util.concurrent.ConcurrentHashMap<>();
    /** Set while rebuilding rules that were validated when cached: their regexes are compiled on first use. */
    private static final ThreadLocal<Boolean> TRUSTED = new ThreadLocal<>();

    public Rule {
        Objects.requireNonNull(id, "id");
        if (!ID.matches(id)) {
            throw new IllegalArgumentException("rule id '" + id + "': use lower-case letters, digits, '.', '_' and '-'");
        }
        description = description == null ? "" : description;
        Objects.requireNonNull(regex, "rule " + id + ": regex");
        keywords = keywords == null ? List.of() : keywords.stream().map(k -> k.toLowerCase(Locale.ROOT)).toList();
        for (String k : keywords) {
            if (k.length() < 2) {
                throw new IllegalArgumentException("rule " + id + ": keyword '" + k + "' is shorter than 2 characters; use a longer literal or none");
            }
        }
        if (minEntropy < 0 || minEntropy > 8) {
            throw new IllegalArgumentException("rule " + id + ": min_entropy " + minEntropy + " must be between 0 and 8 bits/char");
        }
        if (TRUSTED.get() == null) validateRegex(id, regex, secretGroup);
    }

    private static void validateRegex(String id, String regex, int secretGroup) {
        Pattern compiled;
        try {
            compiled = compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("rule " + id + ": regex is not valid RE2 syntax: " + e.getMessage(), e);
        }
        if (secretGroup < 0 || secretGroup > compiled.groupCount()) {
            throw new IllegalArgumentException("rule " + id + ": secret_group " + secretGroup + " but the regex has "
                    + compiled.groupCount() + " group(s)");
        }
    }

    /** Rules built by {@code factory} skip the regex compile: only for rules validated before (the rule cache). */
    static Rule trusted(java.util.function.Supplier<Rule> factory) {
        TRUSTED.set(Boolean.TRUE);
        try {
            return factory.get();
        } finally {
            TRUSTED.remove();
        }
    }

    /** A rule whose whole match is the secret, with no entropy floor. */
    public static Rule of(String id, String regex, String... keywords) {
        return new Rule(id, "", regex, List.of(keywords), 0, 0);
    }

    static Pattern compile(String regex) {
        Pattern p = COMPILED.get(regex);
        if (p == null) {
            p = Pattern.compile(regex);
            if (COMPILED.size() < 4096) COMPILED.put(regex, p);
        }
        return p;
    }
}
