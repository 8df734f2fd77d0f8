package io.claudebottle.bench;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * Writes a mixed corpus (prose, code, JSON, config, lock-file hashes, base64 blobs) of about
 * {@code mb} megabytes into {@code dir}, files of ~100 KB, with real-looking secrets planted at a
 * fixed rate. {@code dir/planted.tsv} lists them: file, 1-based line, kind.
 *
 * <p>Usage: {@code DlpCorpus DIR MB [SEED]}.
 */
public final class DlpCorpus {
    private static final String AN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String UPPER32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    private DlpCorpus() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int mb = Integer.parseInt(args[1]);
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 42;
        write(dir, mb, seed);
    }

    public static void write(Path dir, int mb, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        List<String> planted = new ArrayList<>();
        long target = (long) mb << 20;
        long written = 0;
        for (int file = 0; written < target; file++) {
            String name = String.format("f%04d.%s", file, new String[] {"txt", "py", "json", "env", "js"}[file % 5]);
            StringBuilder b = new StringBuilder(110_000);
            int line = 1;
            while (b.length() < 100_000) {
                if (r.nextInt(400) == 0) {
                    String[] kindAndSecret = secret(r);
                    b.append(kindAndSecret[1]).append('\n');
                    planted.add(name + "\t" + line + "\t" + kindAndSecret[0]);
                    line += (int) kindAndSecret[1].chars().filter(c -> c == '\n').count() + 1;
                } else {
                    b.append(filler(r)).append('\n');
                    line++;
                }
            }
            Files.writeString(dir.resolve(name), b, StandardCharsets.UTF_8);
            written += b.length();
        }
        try (Writer w = Files.newBufferedWriter(dir.getParent().resolve(dir.getFileName() + ".planted.tsv"))) {
            for (String p : planted) w.write(p + "\n");
        }
    }

    private static String rnd(Random r, String alphabet, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        return b.toString();
    }

    /** A planted secret: {kind, line text}. Kinds that both scanners claim to detect. */
    static String[] secret(Random r) {
        return switch (r.nextInt(10)) {
            case 0 -> new String[] {"aws", "AWS_ACCESS_KEY_ID=AKIA" + rnd(r, UPPER32, 16)};
            case 1 -> new String[] {"github", "GITHUB_TOKEN=ghp_" + rnd(r, AN, 36)};
            case 2 -> new String[] {"slack", "slack_token: \"xoxb-" + rnd(r, "0123456789", 12) + "-" + rnd(r, "0123456789", 13) + "-" + rnd(r, AN, 24) + "\""};
            case 3 -> new String[] {"npm", "//registry.npmjs.example/:_authToken=npm_" + rnd(r, AN, 36)};
            case 4 -> new String[] {"private-key", "-----BEGIN RSA PRIVATE KEY-----\n" + Base64.getEncoder().encodeToString(bytes(r, 48))
                    + "\n-----END RSA PRIVATE KEY-----"};
            case 5 -> new String[] {"sendgrid", "SENDGRID_API_KEY=SG." + rnd(r, AN, 22) + "." + rnd(r, AN, 43)};
            case 6 -> new String[] {"shopify", "shop_token = 'shpat_" + HexFormat.of().formatHex(bytes(r, 16)) + "'"};
            case 7 -> new String[] {"openai", "OPENAI_API_KEY=sk-proj-" + rnd(r, AN, 20) + "T3BlbkFJ" + rnd(r, AN, 20)};
            case 8 -> new String[] {"anthropic", "ANTHROPIC_API_KEY=sk-ant-api03-" + rnd(r, AN + "-_", 93) + "AA"};
            default -> new String[] {"url-password", "DATABASE_URL=postgres://app:" + rnd(r, AN, 16) + "@db.internal:5432/app"};
        };
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static final String[] WORDS = ("the of and to in is that for it as was with be by on not he this are or his from at which "
            + "but have an they you were her she there been one all we their has would when if so what no more out do up "
            + "request response token config build deploy cluster service password secret value key user session").split(" ");

    static String filler(Random r) {
        return switch (r.nextInt(10)) {
            case 0, 1, 2 -> {
                StringBuilder b = new StringBuilder();
                for (int i = 0, n = 8 + r.nextInt(12); i < n; i++) b.append(WORDS[r.nextInt(WORDS.length)]).append(' ');
                yield b.toString().trim() + ".";
            }
            case 3 -> "    public static String " + WORDS[r.nextInt(WORDS.length)] + r.nextInt(1000)
                    + "(Map<String, String> env) { return env.getOrDefault(\"" + WORDS[r.nextInt(WORDS.length)].toUpperCase() + "\", \"\"); }";
            case 4 -> "{\"id\": " + r.nextInt(1_000_000) + ", \"name\": \"" + WORDS[r.nextInt(WORDS.length)] + "\", \"uuid\": \""
                    + java.util.UUID.nameUUIDFromBytes(bytes(r, 8)) + "\", \"enabled\": " + r.nextBoolean() + "}";
            case 5 -> "  integrity sha512-" + Base64.getEncoder().encodeToString(bytes(r, 64));
            case 6 -> "commit " + HexFormat.of().formatHex(bytes(r, 20)) + " Merge branch '" + WORDS[r.nextInt(WORDS.length)] + "'";
            case 7 -> "password = os.environ[\"DB_PASSWORD\"]  # read at start-up";
            case 8 -> "data:image/png;base64," + Base64.getEncoder().encodeToString(bytes(r, 150));
            default -> "export " + WORDS[r.nextInt(WORDS.length)].toUpperCase() + "_TIMEOUT=" + r.nextInt(100);
        };
    }
}
