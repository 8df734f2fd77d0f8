package io.claudebottle.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** One test per failure message, pinning the exact text and position users see. */
class ManifestMessagesTest {
    @TempDir
    Path tmp;
    ManifestFixture fx;

    @BeforeEach
    void setUp() {
        fx = new ManifestFixture(tmp);
    }

    // ---- YAML subset ----

    @Test
    void anchor() {
        fx.bottle("b", "env: &shared\n  A: x\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:2:6: error: YAML anchors (&shared) are not supported; remove the anchor and write values out in full");
    }

    @Test
    void alias() {
        fx.bottle("b", "env:\n  A: x\negress:\n  allowlist: [github.com]\n  passthrough: *x\n");
        assertThat(fx.errors()).contains(
                "bottles/b.md:6:16: error: YAML aliases (*name) are not supported; write the value out in full");
    }

    @Test
    void tag() {
        fx.bottle("b", "env:\n  A: !!str 1\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:3:6: error: YAML tags (!!str) are not supported; remove the tag and quote the value if it is text");
    }

    @Test
    void blockScalar() {
        fx.bottle("b", "env:\n  A: |\n    two\n    lines\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:3:6: error: block scalars (| or >) are not supported in frontmatter; write the value on one line in quotes");
    }

    @Test
    void duplicateKey() {
        fx.bottle("b", "env:\n  A: x\nenv:\n  B: z\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:4:1: error: duplicate key `env` (first at line 2); merge the two or remove one");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "yes        | YAML 1.1 reads it as a boolean",
            "NO         | YAML 1.1 reads it as a boolean",
            "on         | YAML 1.1 reads it as a boolean",
            "off        | YAML 1.1 reads it as a boolean",
            "True       | booleans are written true or false",
            "2026-05-24 | YAML 1.1 reads it as a date",
            "0x1F       | a number in YAML 1.2 that other YAML readers read differently",
            "0o17       | a number in YAML 1.2 that other YAML readers read differently",
            "1e3        | a number in YAML 1.2 that other YAML readers read differently",
            "012        | a number in YAML 1.2 that other YAML readers read differently",
            "~          | a null in YAML, text elsewhere; write null",
            "1_000      | YAML 1.1 reads it as a number",
            "1:30       | YAML 1.1 reads it as a number",
    })
    void ambiguousBareScalar(String value, String reason) {
        fx.bottle("b", "env:\n  A: " + value + "\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:6: error: bare `" + value + "` is ambiguous ("
                + reason + "); quote it: \"" + value + "\"");
    }

    @Test
    void quotedAmbiguousValuesAreFine() {
        fx.bottle("b", "env:\n  A: \"yes\"\n  B: '2026-05-24'\n  C: \"0x1F\"\n");
        assertThat(fx.load().bottles().getFirst().env()).containsExactly(
                java.util.Map.entry("A", "yes"), java.util.Map.entry("B", "2026-05-24"), java.util.Map.entry("C", "0x1F"));
    }

    @Test
    void syntaxError() {
        fx.bottle("b", "env:\n  A: x\n B: y\n");
        assertThat(fx.errors()).singleElement().asString()
                .startsWith("bottles/b.md:4:2: error: YAML syntax error: ")
                .endsWith("; check the indentation and quoting here");
    }

    @Test
    void missingFrontmatter() {
        fx.write(fx.home.resolve("bottles/b.md"), "env:\n  A: x\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:1:1: error: missing YAML frontmatter: start the file "
                + "with a line `---`, then the keys, then a closing `---` line");
    }

    @Test
    void unclosedFrontmatter() {
        fx.write(fx.home.resolve("bottles/b.md"), "---\nenv:\n  A: x\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:1:1: error: frontmatter is not closed: add a line `---` after the last key");
    }

    @Test
    void frontmatterNotAMapping() {
        fx.bottle("b", "- env\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:2:1: error: frontmatter must be a mapping of keys (key: value lines), found a list");
    }

    @Test
    void nonScalarKey() {
        fx.bottle("b", "? [a, b]\n: x\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:2:3: error: keys must be plain names, not a list; write key: value");
    }

    // ---- schema: keys and types ----

    @Test
    void unknownKeyWithSuggestion() {
        fx.bottle("b", "cred_proxi:\n  routes: []\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:2:1: error: unknown key `cred_proxi` in bottle; did you mean `cred_proxy`?");
    }

    @Test
    void unknownKeyWithoutSuggestion() {
        fx.bottle("b", "volumes: []\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:2:1: error: unknown key `volumes` in bottle; allowed keys: env, git, cred_proxy, egress, dlp");
    }

    @Test
    void unknownNestedKey() {
        fx.bottle("b", "egress:\n  allow_list: [github.com]\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:3:3: error: unknown key `allow_list` in `egress`; did you mean `allowlist`?");
    }

    @Test
    void wrongType() {
        fx.bottle("b", "egress:\n  allowlist: github.com\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:3:14: error: `egress.allowlist` must be a list, found a string");
    }

    @Test
    void wrongTypeNumberForString() {
        fx.bottle("b", "egress:\n  allowlist: [github.com, 42]\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:3:27: error: `egress.allowlist[1]` must be a string, found a number; quote it: \"42\"");
    }

    @Test
    void wrongTypeBoolean() {
        fx.bottle("b", "git:\n  - Name: r\n    Upstream: git@h.example:o/r.git\n    IdentityFile: /k\n"
                + "    KnownHostKey: ssh-ed25519 AAAA\n    ForbidForcePush: \"yes\"\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:7:22: error: `git[0].ForbidForcePush` must be true or false, found a string");
    }

    // ---- agents ----

    @Test
    void agentMissingBottle() {
        fx.agent("a", "skills: [x]\n");
        assertThat(fx.errors()).containsExactly("agents/a.md:2:1: error: agent is missing required key `bottle`: add "
                + "`bottle: <name>` naming a file in " + fx.home.resolve("bottles") + "/");
    }

    @Test
    void agentBottleDoesNotExist() {
        fx.bottle("gitea-dev", "env: {}\n").agent("a", "bottle: gitea-de\n");
        assertThat(fx.errors()).containsExactly("agents/a.md:2:9: error: bottle `gitea-de` does not exist (bottles "
                + "come only from " + fx.home.resolve("bottles") + "/); did you mean `gitea-dev`?");
    }

    @Test
    void agentBottleNotAName() {
        fx.agent("a", "bottle: ../evil\n");
        assertThat(fx.errors()).containsExactly("agents/a.md:2:9: error: `bottle`: `../evil` is not a bottle name; "
                + "names match [a-z][a-z0-9-]* (the file name in " + fx.home.resolve("bottles") + "/ without .md)");
    }

    @Test
    void agentBadSkill() {
        fx.bottle("b", "env: {}\n").agent("a", "bottle: b\nskills: [ok, ../../.ssh]\n");
        assertThat(fx.errors()).containsExactly("agents/a.md:3:14: error: `skills[1]`: `../../.ssh` is not a skill "
                + "name; use the skill's directory name (letters, digits, . _ and -, no slashes)");
    }

    @Test
    void agentUnknownKey() {
        fx.bottle("b", "env: {}\n").agent("a", "bottle: b\nskill: [x]\n");
        assertThat(fx.errors()).containsExactly(
                "agents/a.md:3:1: error: unknown key `skill` in agent; did you mean `skills`?");
    }

    @Test
    void misspeltClaudeCodeKey() {
        fx.bottle("b", "env: {}\n").agent("a", "bottle: b\ndescripton: helps\n");
        assertThat(fx.errors()).containsExactly(
                "agents/a.md:3:1: error: unknown key `descripton` in agent; did you mean `description`?");
    }

    @Test
    void claudeCodeSubagentKeysAreIgnored() {
        fx.bottle("b", "env: {}\n").agent("a", "bottle: b\nname: a\ndescription: helps\nmodel: opus\n"
                + "color: blue\nmemory: project\n");
        assertThat(fx.messages()).isEmpty();
        assertThat(fx.load().policy("a")).isPresent();
    }

    // ---- egress ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://github.com  | `https://github.com` is not a hostname; write the bare host: github.com",
            "10.0.0.1            | `10.0.0.1` is an IP address, which the bottle may dial only if egress.allow_addresses covers it too; add \"10.0.0.1\" there, or allowlist a hostname instead",
            "[fd00::7]:8443      | `[fd00::7]:8443` is an IP address, which the bottle may dial only if egress.allow_addresses covers it too; add \"fd00::7\" there, or allowlist a hostname instead",
            "exa_mple.com        | `exa_mple.com` is not a valid hostname (labels are letters, digits and inner hyphens, separated by single dots); write a host like example.com, *.example.com or example.com:8443",
            "-bad.example.com    | `-bad.example.com` is not a valid hostname (labels are letters, digits and inner hyphens, separated by single dots); write a host like example.com, *.example.com or example.com:8443",
            "*.com               | `*.com` is too broad; wildcard a domain you trust, like *.example.com",
            "api.*.example.com   | `api.*.example.com` has a `*` that is not a leading `*.`; write a host like example.com, *.example.com or example.com:8443",
            "example.com:99999   | port `99999` in `example.com:99999` is not a port number; use 1-65535",
            "example.com:0       | port `0` in `example.com:0` is not a port number; use 1-65535",
    })
    void invalidAllowlistEntry(String entry, String message) {
        fx.bottle("b", "egress:\n  allowlist:\n    - \"" + entry + "\"\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:4:7: error: `egress.allowlist[0]`: " + message);
    }

    @Test
    void validAllowlistForms() {
        fx.bottle("b", "egress:\n  allowlist: [GitHub.com, \"*.example.com\", \"host.example.com:8443\", localhost]\n");
        assertThat(fx.errors()).isEmpty();
        assertThat(fx.load().bottles().getFirst().egress().hosts()).endsWith(
                "github.com", "*.example.com", "host.example.com:8443", "localhost");
    }

    @Test
    void anIpIsAllowlistedWhenAllowAddressesCoversIt() {
        fx.bottle("b", "egress:\n  allowlist: [\"10.1.2.3:8443\", \"fd00::7\"]\n"
                + "  allow_addresses: [\"10.0.0.0/8\", \"fd00::/8\"]\n");
        assertThat(fx.errors()).isEmpty();
        assertThat(fx.load().bottles().getFirst().egress().hosts()).endsWith("10.1.2.3:8443", "fd00::7");
    }

    @Test
    void passthroughNotAllowlisted() {
        fx.bottle("b", "egress:\n  allowlist: [github.com]\n  passthrough: [pinned.example.com]\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:17: error: `egress.passthrough[0]`: "
                + "`pinned.example.com` is not in egress.allowlist; add it there too (passthrough only turns off TLS "
                + "interception for allowlisted hosts)");
    }

    @Test
    void badAllowAddress() {
        fx.bottle("b", "egress:\n  allow_addresses: [\"10.0.0.0/33\", \"127.0.0.1\", \"fd00::/8\"]\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:21: error: `egress.allow_addresses[0]`: "
                + "`10.0.0.0/33` is not an IP address or CIDR range; write e.g. 127.0.0.1, 10.0.0.0/8 or fd00::/8");
    }

    @Test
    void hostnameAllowAddressIsRefused() {
        fx.bottle("b", "egress:\n  allow_addresses: [metadata.internal]\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:21: error: `egress.allow_addresses[0]`: "
                + "`metadata.internal` is not an IP address or CIDR range; write e.g. 127.0.0.1, 10.0.0.0/8 or fd00::/8");
    }

    @Test
    void dlpExemptMustBeAList() {
        fx.bottle("b", "egress:\n  dlp_exempt:\n    uploads.example.com: aws-key\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:26: error: `egress.dlp_exempt.uploads.example.com` "
                + "must be a list of DLP rule ids, found a string");
    }

    // ---- cred_proxy ----

    private static String route(String path, String upstream, String tokenRef) {
        return "cred_proxy:\n  routes:\n    - path: " + path + "\n      upstream: " + upstream
                + "\n      token_ref: " + tokenRef + "\n";
    }

    @Test
    void routePathMustStartAndEndWithSlash() {
        fx.bottle("b", route("/anthropic", "https://api.anthropic.com", "TOKEN"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:13: error: `cred_proxy.routes[0].path`: "
                + "`/anthropic` must start and end with `/`; write /anthropic/");
    }

    @Test
    void routeUpstreamMustBeHttps() {
        fx.bottle("b", route("/x/", "http://api.anthropic.com", "TOKEN"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:5:17: error: `cred_proxy.routes[0].upstream`: "
                + "`http://api.anthropic.com` must be an https:// URL with a host, like https://api.example.com");
    }

    @Test
    void routeUpstreamMustNotCarryCredentials() {
        fx.bottle("b", route("/x/", "https://user:pw@api.anthropic.com", "TOKEN"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:5:17: error: `cred_proxy.routes[0].upstream`: "
                + "`https://user:pw@api.anthropic.com` must not carry credentials; the token comes from token_ref");
    }

    @Test
    void tokenRefMustBeAnEnvVarName() {
        fx.bottle("b", route("/x/", "https://api.anthropic.com", "GH-PAT"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:6:18: error: `cred_proxy.routes[0].token_ref`: "
                + "`GH-PAT` is not an environment variable name; use letters, digits and _, not starting with a digit, like GH_PAT");
    }

    @Test
    void routeMissingTokenRef() {
        fx.bottle("b", "cred_proxy:\n  routes:\n    - path: /x/\n      upstream: https://api.anthropic.com\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:7: error: `cred_proxy.routes[0]` is missing required "
                + "key `token_ref`: the name of the host environment variable holding the token");
    }

    @Test
    void unknownRole() {
        fx.bottle("b", route("/x/", "https://api.anthropic.com", "TOKEN") + "      role: anthropic-url\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:7:13: error: `cred_proxy.routes[0].role`: unknown role "
                + "`anthropic-url`; did you mean `anthropic-base-url`?");
    }

    @Test
    void badAuthScheme() {
        fx.bottle("b", route("/x/", "https://api.anthropic.com", "TOKEN") + "      auth_scheme: Bear er\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:7:20: error: `cred_proxy.routes[0].auth_scheme`: "
                + "`Bear er` is not an HTTP auth scheme; write one word like Bearer or token");
    }

    @Test
    void duplicateRoutePath() {
        fx.bottle("b", route("/x/", "https://api.anthropic.com", "A")
                + "    - path: /x/\n      upstream: https://api.anthropic.com\n      token_ref: B\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:7:7: error: `cred_proxy.routes[1].path`: `/x/` is "
                + "already routed by routes[0]; give each route its own path");
    }

    @Test
    void routeToHostOutsideAllowlistWarns() {
        fx.bottle("b", route("/gh/", "https://api.github.com", "GH_PAT"));
        assertThat(fx.messages()).containsExactly("bottles/b.md:2:1: warning: cred_proxy route /gh/ goes to "
                + "api.github.com, which is not in egress.allowlist: the cred-proxy's requests to it will be refused; "
                + "add api.github.com to egress.allowlist");
    }

    // ---- git ----

    private static String git(String extra) {
        return "git:\n  - Name: repo\n" + extra;
    }

    @Test
    void upstreamMustBeSsh() {
        fx.bottle("b", git("    Upstream: https://gitea.example.com/o/r.git\n    IdentityFile: /k\n    KnownHostKey: ssh-ed25519 AAAA\n"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:15: error: `git[0].Upstream`: "
                + "`https://gitea.example.com/o/r.git` is not an SSH URL; write ssh://git@host:22/owner/repo.git or git@host:owner/repo.git");
    }

    @Test
    void identityFileIsRequired() {
        fx.bottle("b", git("    Upstream: git@gitea.example.com:o/r.git\n    KnownHostKey: ssh-ed25519 AAAA\n"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:5: error: `git[0]` is missing required key "
                + "`IdentityFile`: the SSH private key to push with, e.g. IdentityFile: ~/.ssh/id_ed25519");
    }

    @Test
    void identityFileMustBeAbsolute() {
        fx.bottle("b", git("    Upstream: git@gitea.example.com:o/r.git\n    IdentityFile: keys/id\n    KnownHostKey: ssh-ed25519 AAAA\n"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:5:19: error: `git[0].IdentityFile`: `keys/id` must be "
                + "an absolute path or start with ~/");
    }

    @Test
    void missingIdentityFileAndHostKeyWarn() {
        fx.bottle("b", git("    Upstream: git@gitea.example.com:o/r.git\n    IdentityFile: ~/.ssh/none\n"));
        assertThat(fx.messages()).containsExactly(
                "bottles/b.md:3:5: warning: `git[0]` has no KnownHostKey, so the upstream's host key is not pinned; "
                        + "add one (ssh-keyscan prints it)",
                "bottles/b.md:5:19: warning: `git[0].IdentityFile`: " + fx.userHome.resolve(".ssh/none")
                        + " does not exist on this machine; the git-gate cannot push until it does");
    }

    @Test
    void badRepoName() {
        fx.bottle("b", "git:\n  - Name: My Repo\n    Upstream: git@h.example:o/r.git\n    IdentityFile: /k\n    KnownHostKey: ssh-ed25519 AAAA\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:11: error: `git[0].Name`: `My Repo` is not a valid "
                + "repo name; use lowercase letters, digits, . _ and -, starting with a letter or digit");
    }

    @Test
    void duplicateRepoName() {
        String entry = "  - Name: r\n    Upstream: git@h.example:o/r.git\n    IdentityFile: /k\n    KnownHostKey: ssh-ed25519 AAAA\n";
        fx.bottle("b", "git:\n" + entry + entry);
        assertThat(fx.errors()).containsExactly("bottles/b.md:7:11: error: `git[1].Name`: `r` is already used at "
                + "line 3; give each upstream its own Name");
    }

    @Test
    void badKnownHostKey() {
        fx.bottle("b", git("    Upstream: git@h.example:o/r.git\n    IdentityFile: /k\n    KnownHostKey: AAAAC3Nz\n"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:6:19: error: `git[0].KnownHostKey`: must be "
                + "`<key-type> <base64-key>` as in known_hosts, like ssh-ed25519 AAAAC3Nza...; get it with ssh-keyscan");
    }

    @Test
    void badExtraHostsAddress() {
        fx.bottle("b", git("    Upstream: git@h.example:o/r.git\n    IdentityFile: /k\n    KnownHostKey: ssh-ed25519 AAAA\n"
                + "    ExtraHosts: { \"h.example\": \"not-an-ip\" }\n"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:7:32: error: `git[0].ExtraHosts`: `not-an-ip` is not an "
                + "IP address; write the address to pin h.example to, like 100.64.0.7");
    }

    // ---- env ----

    @Test
    void badEnvName() {
        fx.bottle("b", "env:\n  MY-VAR: x\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:3: error: `env`: `MY-VAR` is not an environment "
                + "variable name; use letters, digits and _, not starting with a digit");
    }

    @Test
    void envValueMustBeText() {
        fx.bottle("b", "env:\n  DEBUG: true\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:3:10: error: `env.DEBUG` must be a string, found a boolean; quote it: \"true\"");
    }

    // ---- dlp ----

    @Test
    void dlpRuleMissingRegex() {
        fx.bottle("b", "dlp:\n  rules:\n    - id: acme\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:7: error: `dlp.rules[0]` is missing required key "
                + "`regex`: the RE2 regex that matches the secret");
    }

    @Test
    void dlpRuleRegexMustBeRe2() {
        fx.bottle("b", "dlp:\n  rules:\n    - id: acme\n      regex: \"(?=acme)[a-z]+\"\n");
        assertThat(fx.errors()).singleElement().asString()
                .startsWith("bottles/b.md:5:14: error: `dlp.rules[0].regex`: not a valid RE2 regex (")
                .endsWith("); RE2 has no lookaround or backreferences — rewrite the pattern without them");
    }

    @Test
    void dlpRuleEntropyRange() {
        fx.bottle("b", "dlp:\n  rules:\n    - { id: acme, regex: \"acme_[a-z]+\", min_entropy: 9.5 }\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:54: error: `dlp.rules[0].min_entropy`: 9.5 is out of "
                + "range; Shannon entropy is 0 to 8 bits per character (3.0-4.0 is typical)");
    }

    @Test
    void dlpRuleSecretGroup() {
        fx.bottle("b", "dlp:\n  rules:\n    - { id: acme, regex: \"acme_([a-z]+)\", secret_group: 2 }\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:57: error: `dlp.rules[0].secret_group`: 2 but the "
                + "regex has 1 capture group(s); use 0 for the whole match or the number of the group with the secret");
    }

    @Test
    void dlpDuplicateRuleId() {
        fx.bottle("b", "dlp:\n  rules:\n    - { id: acme, regex: \"a\" }\n    - { id: acme, regex: \"b\" }\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:5:7: error: `dlp.rules[1].id`: `acme` is already used by "
                + "rules[0]; give each rule its own id");
    }

    @Test
    void dlpAllowMustBeRe2() {
        fx.bottle("b", "dlp:\n  allow: [\"(a)\\\\1\"]\n");
        assertThat(fx.errors()).singleElement().asString()
                .startsWith("bottles/b.md:3:11: error: `dlp.allow[0]`: not a valid RE2 regex (");
    }

    // ---- files ----

    @Test
    void badFileNameIsSkippedWithWarning() {
        fx.bottle("Gitea_Dev", "env: {}\n");
        assertThat(fx.messages()).containsExactly("bottles/Gitea_Dev.md: warning: skipped: `Gitea_Dev` is not a valid "
                + "name; names match [a-z][a-z0-9-]* (rename the file)");
        assertThat(fx.load().bottles()).isEmpty();
    }

    @Test
    void everyErrorIsReportedAtOnce() {
        fx.bottle("b", "env:\n  A: yes\negress:\n  allowlist: [\"https://x.example\"]\ncred_proxi: {}\n")
                .bottle("c", "git: 3\n")
                .agent("a", "bottle: nope\n");
        assertThat(fx.errors()).hasSize(5);
    }
    // ---- the rest of the messages ----

    @Test
    void contentAfterDocumentEnd() {
        fx.bottle("b", "env: {}\n...\nenv: {}\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:1: error: YAML syntax error: expected '<document start>', "
                + "but found '<block mapping start>'; check the indentation and quoting here");
    }

    @Test
    void emptyRequiredValue() {
        fx.agent("a", "bottle:\n");
        assertThat(fx.errors()).containsExactly(
                "agents/a.md:2:8: error: `bottle` is empty; give it add `bottle: <name>` naming a file in "
                        + fx.home.resolve("bottles") + "/");
    }

    @Test
    void rootRoute() {
        fx.bottle("b", route("/", "https://api.anthropic.com", "TOKEN"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:4:13: error: `cred_proxy.routes[0].path`: `/` would "
                + "route every request; give the route its own prefix like /anthropic/");
    }

    @Test
    void upstreamWithQuery() {
        fx.bottle("b", route("/x/", "\"https://api.anthropic.com/?key=1\"", "TOKEN"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:5:17: error: `cred_proxy.routes[0].upstream`: "
                + "`https://api.anthropic.com/?key=1` must not have a query or fragment; write only https://host[:port][/path]");
    }

    @Test
    void badDlpExemptRuleId() {
        fx.bottle("b", "egress:\n  dlp_exempt: { \"uploads.example.com\": [\"a rule\"] }\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:41: error: `egress.dlp_exempt.uploads.example.com[0]`: "
                + "`a rule` is not a rule id; use letters, digits, . _ and -");
    }

    @Test
    void badExtraHostsName() {
        fx.bottle("b", git("    Upstream: git@h.example:o/r.git\n    IdentityFile: /k\n    KnownHostKey: ssh-ed25519 AAAA\n"
                + "    ExtraHosts: { \"bad host\": \"100.64.0.7\" }\n"));
        assertThat(fx.errors()).containsExactly("bottles/b.md:7:19: error: `git[0].ExtraHosts`: `bad host` is not a "
                + "valid hostname (labels are letters, digits and inner hyphens, separated by single dots); write a host "
                + "like example.com, *.example.com or example.com:8443");
    }

    @Test
    void ipWhereAHostnameBelongs() {
        fx.bottle("b", "egress:\n  dlp_exempt: { \"10.0.0.1\": [aws-key] }\n");
        assertThat(fx.errors()).containsExactly("bottles/b.md:3:17: error: `egress.dlp_exempt`: `10.0.0.1` is an IP "
                + "address; write a hostname here");
    }

    @Test
    void fileTooLarge() {
        fx.write(fx.home.resolve("bottles/b.md"), "---\n" + "#".repeat(1 << 20) + "\n---\n");
        assertThat(fx.errors()).containsExactly(
                "bottles/b.md:1:1: error: file is larger than 1 MiB; manifests are small text files");
    }

    @Test
    void notUtf8() throws Exception {
        java.nio.file.Files.createDirectories(fx.home.resolve("bottles"));
        java.nio.file.Files.write(fx.home.resolve("bottles/b.md"), new byte[] {'-', '-', '-', '\n', (byte) 0xff, '\n'});
        assertThat(fx.errors()).containsExactly("bottles/b.md:1:1: error: not valid UTF-8 text; save the file as UTF-8");
    }
}
