package io.claudebottle.dlp;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The engine behind {@link SecretScanner}: immutable; variants share the compiled rule set. */
final class DlpEngine implements SecretScanner {
    private static volatile DlpEngine defaults;

    private final RuleMatcher matcher;
    private final List<Pattern> allow;
    private final boolean[] disabled;
    private final Set<String> ignoredValues;

    private DlpEngine(RuleMatcher matcher, List<Pattern> allow, boolean[] disabled, Set<String> ignoredValues) {
        this.matcher = matcher;
        this.allow = allow;
        this.disabled = disabled;
        this.ignoredValues = Set.copyOf(ignoredValues);
    }

    static DlpEngine defaultEngine() {
        DlpEngine e = defaults;
        if (e == null) {
            synchronized (DlpEngine.class) {
                e = defaults;
                if (e == null) defaults = e = create(RuleFile.builtIn(), List.of(), MatchPath.best());
            }
        }
        return e;
    }

    static DlpEngine create(List<Rule> rules, List<String> allowRegexes, MatchPath path) {
        return create(rules, allowRegexes, path, DatabaseCache.configured());
    }

    /** {@code cache}: where the Hyperscan path keeps compiled databases, or null to always compile. */
    static DlpEngine create(List<Rule> rules, List<String> allowRegexes, MatchPath path, DatabaseCache cache) {
        List<CompiledRule> compiled = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (Rule r : rules) {
            if (!ids.add(r.id())) throw new IllegalArgumentException("DLP rule id '" + r.id() + "' is defined twice; rename one of them");
            if (r.id().equals(Finding.UNSCANNABLE)) {
                throw new IllegalArgumentException("DLP rule id '" + r.id() + "' is reserved for inputs the engine could not scan; rename the rule");
            }
            compiled.add(CompiledRule.of(compiled.size(), r));
        }
        List<CompiledRule> frozen = List.copyOf(compiled);
        Prefilter prefilter = path == MatchPath.HYPERSCAN && HyperscanPrefilter.unavailableReason() == null
                ? HyperscanPrefilter.compile(frozen, cache)
                : new KeywordPrefilter(frozen);
        List<Pattern> allow = new ArrayList<>();
        for (String a : allowRegexes) {
            try {
                allow.add(Pattern.compile(a));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("DLP allow pattern '" + a + "' is not valid RE2 syntax: " + e.getDescription(), e);
            }
        }
        return new DlpEngine(new RuleMatcher(frozen, prefilter), List.copyOf(allow), new boolean[frozen.size()], Set.of());
    }

    String prefilterName() {
        return matcher.prefilter().name();
    }

    List<Rule> rules() {
        return matcher.rules().stream().map(CompiledRule::rule).toList();
    }

    static final String UNSCANNABLE_EXCERPT = "[more candidate matches than the scan budget allows (hostile input?); the rest was not scanned]";

    /** A finding with the secret it stands for (never leaves the package). */
    record Found(Finding finding, String secret) {}

    /** Findings with char offsets in {@code text}, sorted by offset. */
    List<Found> found(String text) {
        return found(text, LayeredScan.asciiBytes(text));
    }

    /** {@code ascii}: the text's bytes when it is pure ASCII, else null (saves encoding it again). */
    private List<Found> found(String text, byte[] ascii) {
        return found(text, ascii, false);
    }

    /** {@code plain}: {@code ascii} is known to be {@link PlainAscii#PLAIN}. */
    private List<Found> found(String text, byte[] ascii, boolean plain) {
        return found(text, ascii, plain, ScanBudget.forInput(text.length()));
    }

    /** {@code budget}: the matching work allowed, shared across calls by a stream. */
    private List<Found> found(String text, byte[] ascii, boolean plain, ScanBudget budget) {
        List<Found> out = new ArrayList<>();
        LineIndex lines = null;
        LayeredScan scan = new LayeredScan(matcher, disabled, text.length(), budget);
        for (LayeredScan.Hit h : scan.run(text, ascii, plain)) {
            if (!keep(h)) continue;
            if (lines == null) lines = scan.topLines() != null ? scan.topLines() : LineIndex.of(text);
            String id = matcher.rules().get(h.rule()).rule().id();
            out.add(new Found(new Finding(id, h.excerpt(), h.offset(), lines.lineOf(h.offset()) + 1, "", h.via()), h.secret()));
        }
        int stopped = scan.unscannableAt();
        if (stopped >= 0) { // not subject to allow-lists or exemptions: it stands for everything not scanned
            if (lines == null) lines = scan.topLines() != null ? scan.topLines() : LineIndex.of(text);
            out.add(new Found(new Finding(Finding.UNSCANNABLE, UNSCANNABLE_EXCERPT, stopped, lines.lineOf(stopped) + 1, "", ""), ""));
        }
        out.sort(Comparator.comparingLong((Found f) -> f.finding().offset()).thenComparing(f -> f.finding().ruleId()));
        return out;
    }

    List<Finding> findings(String text) {
        return found(text).stream().map(Found::finding).toList();
    }

    /** Findings of one window of a stream, paid from the stream's {@code budget}. */
    List<Finding> findings(String text, ScanBudget budget) {
        return found(text, LayeredScan.asciiBytes(text), false, budget).stream().map(Found::finding).toList();
    }

    private boolean keep(LayeredScan.Hit h) {
        String secret = h.secret();
        if (ignoredValues.contains(secret) || ignoredValues.contains(h.match())) return false;
        for (String v : ignoredValues) if (secret.length() >= 8 && v.contains(secret)) return false;
        for (Pattern p : allow) if (p.matcher(secret).find()) return false;
        return true;
    }

    @Override
    public List<Finding> scan(CharSequence text) {
        return findings(text.toString());
    }

    @Override
    public List<Finding> scan(byte[] bytes) {
        // All ASCII: the bytes are already the text's one-byte-per-char form the matcher needs, and
        // decoding them as Latin-1 is a copy (UTF-8 decoding checked every byte again: 7 % of the
        // proxy's CPU for a scanned upload).
        int kind = PlainAscii.classify(bytes);
        byte[] ascii = kind != PlainAscii.OTHER ? bytes : null;
        String text = new String(bytes, ascii != null ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
        List<Finding> found = found(text, ascii, kind == PlainAscii.PLAIN).stream().map(Found::finding).toList();
        if (text.length() == bytes.length || found.isEmpty()) return found;
        return toByteOffsets(text, found, 0);
    }

    /** Re-expresses char offsets as UTF-8 byte offsets, plus {@code base}. */
    static List<Finding> toByteOffsets(String text, List<Finding> found, long base) {
        List<Finding> out = new ArrayList<>(found.size());
        int charPos = 0;
        long bytePos = 0;
        for (Finding f : found) { // sorted by offset
            int target = (int) f.offset();
            if (target < charPos) {
                charPos = 0;
                bytePos = 0;
            }
            bytePos += Utf8.length(text, charPos, target);
            charPos = target;
            out.add(new Finding(f.ruleId(), f.excerpt(), base + bytePos, f.line(), f.path(), f.via()));
        }
        return out;
    }

    @Override
    public BodyVerdict scanBody(byte[] body, String contentType, String contentEncoding) {
        return new BodyScanner(this).scan(body, contentType, contentEncoding);
    }

    @Override
    public StreamScan stream() {
        return new StreamScanner(this);
    }

    @Override
    public SecretScanner without(Set<String> ruleIds) {
        boolean[] d = disabled.clone();
        for (CompiledRule r : matcher.rules()) if (ruleIds.contains(r.rule().id())) d[r.index()] = true;
        return new DlpEngine(matcher, allow, d, ignoredValues);
    }

    @Override
    public SecretScanner ignoringValues(Set<String> values) {
        Set<String> v = new HashSet<>(ignoredValues);
        for (String s : values) if (s != null && !s.isEmpty()) v.add(s);
        return new DlpEngine(matcher, allow, disabled, v);
    }

    @Override
    public String describe() {
        long enabled = matcher.rules().stream().filter(r -> !disabled[r.index()]).count();
        return enabled + " rules, " + prefilterName() + " prefilter + RE2J";
    }
}
