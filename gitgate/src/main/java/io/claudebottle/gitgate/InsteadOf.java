package io.claudebottle.gitgate;

import java.util.List;

/**
 * Renders the agent's {@code ~/.gitconfig} rules that send every spelling of each upstream URL
 * to the gate, so clone, fetch, pull and push of the real URL all go through it.
 */
public final class InsteadOf {
    private InsteadOf() {
    }

    /**
     * @param gateBaseUrl the gate as the agent dials it, e.g. {@code git://git-gate:9418}
     * @param repos       the repos the gate serves
     * @return gitconfig text: one {@code [url "<gate>/<name>"]} section per repo with an
     *         {@code insteadOf} line per spelling of its upstream (ssh:// and scp-style)
     */
    public static String gitconfig(String gateBaseUrl, List<GitGateRepo> repos) {
        String base = gateBaseUrl.endsWith("/") ? gateBaseUrl.substring(0, gateBaseUrl.length() - 1) : gateBaseUrl;
        StringBuilder out = new StringBuilder();
        for (GitGateRepo repo : repos) {
            out.append("[url \"").append(quote(base + "/" + repo.name())).append("\"]\n");
            for (String spelling : UpstreamUrl.parse(repo.upstream()).spellings()) {
                out.append("\tinsteadOf = \"").append(quote(spelling)).append("\"\n");
            }
        }
        return out.toString();
    }

    /** The same rules as {@code git config} arguments: {@code url.<gate>/<name>.insteadOf <spelling>} pairs. */
    public static List<List<String>> configPairs(String gateBaseUrl, List<GitGateRepo> repos) {
        String base = gateBaseUrl.endsWith("/") ? gateBaseUrl.substring(0, gateBaseUrl.length() - 1) : gateBaseUrl;
        return repos.stream()
                .flatMap(repo -> UpstreamUrl.parse(repo.upstream()).spellings().stream()
                        .map(spelling -> List.of("url." + base + "/" + repo.name() + ".insteadOf", spelling)))
                .toList();
    }

    private static String quote(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
