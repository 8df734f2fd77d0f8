package io.claudebottle.dlp;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The built-in rule file, parsed, kept next to the compiled Hyperscan databases: a warm start reads
 * a few KB of fields instead of running a YAML parser (its class loading and interpretation were
 * the largest part of building the engine). Named by the SHA-256 of the rule file's bytes and
 * a {@link CacheFile} like the databases: a stale, corrupt or foreign file is ignored and
 * rewritten. Its rules were validated when it was written, so they are rebuilt without compiling
 * their regexes again ({@link Rule#trusted}); the engine compiles each one on first use. Each rule's
 * regex analysis ({@link KeywordLead}, {@link RequiredChars}) is stored with it and handed to
 * {@link CompiledRule#of} through {@link #analysisOf}: it is a function of the rule alone.
 */
final class RuleCache {
    private static final byte[] MAGIC = "claude-bottle rules v2\n".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_FILE_BYTES = 16 << 20;

    /** A rule's regex analysis, as {@link CompiledRule} uses it. */
    record Analysis(KeywordLead lead, boolean[] required) {
        static Analysis of(Rule rule) {
            return new Analysis(KeywordLead.analyse(rule), RequiredChars.analyse(rule.regex()));
        }
    }

    /** Analyses read from the cache, by rule (records: equal rules, equal analysis). */
    private static final java.util.Map<Rule, Analysis> LOADED = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path dir;

    /** The analysis of {@code rule} read with it from the cache, or null (then it is computed). */
    static Analysis analysisOf(Rule rule) {
        return LOADED.get(rule);
    }

    RuleCache(Path dir) {
        this.dir = dir;
    }

    /** The cache beside the Hyperscan databases, or null when there is no such directory. */
    static RuleCache configured() {
        DatabaseCache db = DatabaseCache.configured();
        return db == null ? null : new RuleCache(db.dir());
    }

    static String key(byte[] ruleFile) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(ruleFile));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks SHA-256", e);
        }
    }

    Path file(String key) {
        return dir.resolve(key + ".rules");
    }

    /** The rules cached under {@code key}, or null when there are none that check out. */
    List<Rule> load(String key) {
        try (DataInputStream in = CacheFile.read(file(key), MAX_FILE_BYTES, MAGIC, key)) {
            if (in == null) return null;
            int n = in.readInt();
            if (n < 0 || n > 100_000) return null;
            List<Rule> rules = new ArrayList<>(n);
            List<Analysis> analyses = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String id = in.readUTF();
                String description = in.readUTF();
                String regex = in.readUTF();
                int k = in.readInt();
                if (k < 0 || k > 10_000) return null;
                List<String> keywords = new ArrayList<>(k);
                for (int j = 0; j < k; j++) keywords.add(in.readUTF());
                double entropy = in.readDouble();
                int group = in.readInt();
                Rule rule = Rule.trusted(() -> new Rule(id, description, regex, keywords, entropy, group));
                rules.add(rule);
                analyses.add(new Analysis(readLead(in), readChars(in)));
            }
            if (in.available() != 0) return null;
            for (int i = 0; i < rules.size(); i++) LOADED.putIfAbsent(rules.get(i), analyses.get(i));
            return List.copyOf(rules);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static void writeLead(DataOutputStream out, KeywordLead lead) throws IOException {
        out.writeBoolean(lead != null);
        if (lead == null) return;
        out.writeInt(lead.lead());
        out.writeBoolean(lead.wordBoundary());
        out.writeInt(lead.prefixes() == null ? -1 : lead.prefixes().length);
        if (lead.prefixes() != null) for (char[] p : lead.prefixes()) out.writeUTF(new String(p));
        writeChars(out, lead.before());
    }

    private static KeywordLead readLead(DataInputStream in) throws IOException {
        if (!in.readBoolean()) return null;
        int lead = in.readInt();
        boolean wordBoundary = in.readBoolean();
        int n = in.readInt();
        if (n < -1 || n > 10_000) throw new IOException("bad prefix count " + n);
        char[][] prefixes = n < 0 ? null : new char[n][];
        for (int i = 0; i < n; i++) prefixes[i] = in.readUTF().toCharArray();
        boolean[] before = readChars(in);
        if ((prefixes == null) == (before == null)) throw new IOException("a lead needs prefixes or chars before its keyword");
        return new KeywordLead(lead, wordBoundary, prefixes, before);
    }

    /** An ASCII char set as two words, or absent. */
    private static void writeChars(DataOutputStream out, boolean[] chars) throws IOException {
        out.writeBoolean(chars != null);
        if (chars == null) return;
        long lo = 0;
        long hi = 0;
        for (int c = 0; c < 64; c++) if (chars[c]) lo |= 1L << c;
        for (int c = 64; c < 128; c++) if (chars[c]) hi |= 1L << (c - 64);
        out.writeLong(lo);
        out.writeLong(hi);
    }

    private static boolean[] readChars(DataInputStream in) throws IOException {
        if (!in.readBoolean()) return null;
        long lo = in.readLong();
        long hi = in.readLong();
        boolean[] chars = new boolean[128];
        for (int c = 0; c < 64; c++) chars[c] = (lo & 1L << c) != 0;
        for (int c = 64; c < 128; c++) chars[c] = (hi & 1L << (c - 64)) != 0;
        return chars;
    }

    /** Writes the rules (atomically); failures only cost the next start a parse. */
    void store(String key, List<Rule> rules) {
        CacheFile.write(file(key), MAGIC, key, 64 << 10, out -> {
            out.writeInt(rules.size());
            for (Rule r : rules) {
                out.writeUTF(r.id());
                out.writeUTF(r.description());
                out.writeUTF(r.regex());
                out.writeInt(r.keywords().size());
                for (String k : r.keywords()) out.writeUTF(k);
                out.writeDouble(r.minEntropy());
                out.writeInt(r.secretGroup());
                Analysis a = Analysis.of(r);
                writeLead(out, a.lead());
                writeChars(out, a.required());
            }
        });
    }
}
