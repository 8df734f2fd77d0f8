package io.claudebottle.dlp;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PLACEHOLDER engine so that other modules can build against {@link SecretScanner} while the real
 * engine (rules resource, Hyperscan prefilter, evasion decoding) is written. Replace wholesale.
 */
final class DlpEngine implements SecretScanner {
    private static final Map<String, Pattern> RULES = Map.of(
            "aws-access-key-id", Pattern.compile("\\b(?:AKIA|ASIA)[A-Z0-9]{16}\\b"),
            "private-key", Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"),
            "anthropic-api-key", Pattern.compile("sk-ant-[a-z0-9]{2,8}-[A-Za-z0-9_-]{20,}"));

    private static final DlpEngine DEFAULT = new DlpEngine(Set.of(), Set.of());

    private final Set<String> disabledRules;
    private final Set<String> ignoredValues;

    private DlpEngine(Set<String> disabledRules, Set<String> ignoredValues) {
        this.disabledRules = Set.copyOf(disabledRules);
        this.ignoredValues = Set.copyOf(ignoredValues);
    }

    static DlpEngine defaultEngine() {
        return DEFAULT;
    }

    @Override
    public List<Finding> scan(CharSequence text) {
        List<Finding> out = new ArrayList<>();
        RULES.forEach((id, pattern) -> {
            if (disabledRules.contains(id)) return;
            Matcher m = pattern.matcher(text);
            while (m.find()) {
                if (ignoredValues.contains(m.group())) continue;
                String s = m.group();
                out.add(new Finding(id, s.substring(0, Math.min(4, s.length())) + "…", m.start(), 1, "", ""));
            }
        });
        return out;
    }

    @Override
    public List<Finding> scan(byte[] bytes) {
        return scan(new String(bytes, StandardCharsets.UTF_8));
    }

    @Override
    public BodyVerdict scanBody(byte[] body, String contentType, String contentEncoding) {
        if (contentEncoding != null && !contentEncoding.isBlank() && !contentEncoding.equalsIgnoreCase("identity")) {
            return new BodyVerdict.Unscannable("content-encoding " + contentEncoding + " not supported");
        }
        List<Finding> f = scan(body);
        return f.isEmpty() ? new BodyVerdict.Clean() : new BodyVerdict.Secrets(f);
    }

    @Override
    public StreamScan stream() {
        StringBuilder all = new StringBuilder();
        return new StreamScan() {
            @Override
            public List<Finding> update(byte[] chunk, int offset, int length) {
                all.append(new String(chunk, offset, length, StandardCharsets.UTF_8));
                return List.of();
            }

            @Override
            public List<Finding> finish() {
                return scan(all);
            }
        };
    }

    @Override
    public SecretScanner without(Set<String> ruleIds) {
        Set<String> d = new HashSet<>(disabledRules);
        d.addAll(ruleIds);
        return new DlpEngine(d, ignoredValues);
    }

    @Override
    public SecretScanner ignoringValues(Set<String> values) {
        Set<String> v = new HashSet<>(ignoredValues);
        v.addAll(values);
        return new DlpEngine(disabledRules, v);
    }
}
