package io.claudebottle.manifest;

import java.util.List;

/**
 * A DLP rule as written in a manifest or rule file (fields as in the DLP rule file format).
 *
 * @param regex RE2 syntax, already checked to compile
 * @param keywords literal prefilter strings (case-insensitive); empty for none
 * @param minEntropy minimum Shannon entropy (bits/char) of the secret, or null for none
 * @param secretGroup capture group holding the secret, or null for the whole match
 */
public record DlpRuleSpec(String id, String description, String regex, List<String> keywords,
                          Double minEntropy, Integer secretGroup) {
    public DlpRuleSpec {
        keywords = List.copyOf(keywords);
    }
}
