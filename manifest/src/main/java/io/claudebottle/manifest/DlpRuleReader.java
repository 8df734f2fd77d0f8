package io.claudebottle.manifest;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.Optional;
import java.util.Set;

/** Validates one DLP rule mapping (manifest {@code dlp.rules} entries use the rule file's fields). */
final class DlpRuleReader {
    private DlpRuleReader() {}

    static Optional<DlpRuleSpec> read(MapReader rule, String path, Problems problems) {
        rule.rejectUnknownKeys(BottleReader.RULE_KEYS, Set.of());
        boolean complete = rule.require("id", "a short unique name for the rule, e.g. id: acme-key");
        complete &= rule.require("regex", "the RE2 regex that matches the secret");
        Optional<YNode.Scalar> id = rule.string("id");
        boolean valid = id.map(i -> report(i, path + ".id", BottleReader.ruleId(i.value()), problems)).orElse(false);
        Optional<YNode.Scalar> regex = rule.string("regex");
        Optional<Pattern> compiled = Optional.empty();
        if (regex.isPresent()) {
            Optional<String> problem = re2Problem(regex.get().value());
            valid &= report(regex.get(), path + ".regex", problem, problems);
            if (problem.isEmpty()) {
                compiled = Optional.of(Pattern.compile(regex.get().value()));
            }
        }
        String description = rule.string("description").map(YNode.Scalar::value).orElse("");
        java.util.List<String> keywords = rule.strings("keywords").stream().map(YNode.Scalar::value).toList();
        Double minEntropy = null;
        Optional<YNode.Scalar> entropy = rule.number("min_entropy", false);
        if (entropy.isPresent()) {
            minEntropy = Double.parseDouble(entropy.get().value());
            if (minEntropy < 0 || minEntropy > 8) {
                problems.error(entropy.get().at(), "`" + path + ".min_entropy`: " + entropy.get().value()
                        + " is out of range; Shannon entropy is 0 to 8 bits per character (3.0-4.0 is typical)");
                valid = false;
            }
        }
        Integer secretGroup = null;
        Optional<YNode.Scalar> group = rule.number("secret_group", true);
        if (group.isPresent()) {
            secretGroup = Integer.parseInt(group.get().value());
            int groups = compiled.map(Pattern::groupCount).orElse(Integer.MAX_VALUE);
            if (secretGroup < 0 || secretGroup > groups) {
                problems.error(group.get().at(), "`" + path + ".secret_group`: " + secretGroup + " but the regex has "
                        + groups + " capture group(s); use 0 for the whole match or the number of the group with the secret");
                valid = false;
            }
        }
        if (!complete || !valid || compiled.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DlpRuleSpec(id.get().value(), description, regex.get().value(), keywords, minEntropy,
                secretGroup));
    }

    /** Why {@code regex} is not valid RE2, or empty when it compiles. */
    static Optional<String> re2Problem(String regex) {
        try {
            Pattern.compile(regex);
            return Optional.empty();
        } catch (PatternSyntaxException e) {
            return Optional.of("not a valid RE2 regex (" + e.getDescription() + "); RE2 has no lookaround or "
                    + "backreferences — rewrite the pattern without them");
        }
    }

    private static boolean report(YNode.Scalar at, String path, Optional<String> problem, Problems problems) {
        problem.ifPresent(p -> problems.error(at.at(), "`" + path + "`: " + p));
        return problem.isEmpty();
    }
}
