package io.claudebottle.manifest;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Loads and validates every manifest. Bottles come only from {@code <home>/bottles/}; agents from
 * {@code <home>/agents/} and {@code <repo>/.claude-bottle/agents/}. A repository's
 * {@code bottles/} is ignored with a warning: a cloned repository must not be able to declare the
 * credentials, egress or git remotes an agent gets (the trust boundary). When a repository agent
 * has the same name as a home agent, the home agent is used and the repository one is skipped with
 * a warning, so a repository cannot replace an agent the user already trusts.
 */
public final class ManifestLoader {
    private static final long MAX_FILE_BYTES = 1 << 20;

    private final ManifestLocations locations;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final List<ManifestFile> files = new ArrayList<>();

    private ManifestLoader(ManifestLocations locations) {
        this.locations = locations;
    }

    public static Manifests load(ManifestLocations locations) {
        return new ManifestLoader(locations).load();
    }

    private Manifests load() {
        Map<String, Bottle> bottles = new LinkedHashMap<>();
        for (Path file : markdownFiles(locations.bottlesDir())) {
            readBottle(file).ifPresent(b -> bottles.put(b.name(), b));
        }
        Map<String, AgentReader.Parsed> agents = new LinkedHashMap<>();
        Map<String, Path> homeAgentFiles = new LinkedHashMap<>();
        for (Path file : markdownFiles(locations.agentsDir())) {
            homeAgentFiles.put(nameOf(file), file);
            readAgent(file, false).ifPresent(a -> agents.put(a.agent().name(), a));
        }
        locations.repoManifestDir().ifPresent(repoDir -> {
            Path repoBottles = repoDir.resolve("bottles");
            if (Files.isDirectory(repoBottles)) {
                diagnostics.add(new Diagnostic(Diagnostic.Severity.WARNING, repoBottles, 0, 0,
                        "ignored: bottles come only from " + locations.bottlesDir() + " (a repository cannot grant "
                                + "credentials, egress or git remotes); move a bottle you trust there"));
            }
            for (Path file : markdownFiles(repoDir.resolve("agents"))) {
                if (!insideRepository(file)) {
                    diagnostics.add(new Diagnostic(Diagnostic.Severity.WARNING, file, 0, 0, "skipped: it links to a "
                            + "file outside the repository; copy the agent into the repository instead"));
                    continue;
                }
                Path homeFile = homeAgentFiles.get(nameOf(file));
                if (homeFile != null) {
                    diagnostics.add(new Diagnostic(Diagnostic.Severity.WARNING, file, 0, 0, "skipped: agent `"
                            + nameOf(file) + "` is also defined in " + homeFile + ", and the home one wins; rename "
                            + "this file to use both"));
                    continue;
                }
                readAgent(file, true).ifPresent(a -> agents.put(a.agent().name(), a));
            }
        });
        Map<String, BottlePolicy> policies = new LinkedHashMap<>();
        List<String> bottleFiles = files.stream().filter(f -> f.kind() == ManifestFile.Kind.BOTTLE)
                .map(ManifestFile::name).toList();
        for (AgentReader.Parsed parsed : agents.values()) {
            Agent agent = parsed.agent();
            Bottle bottle = bottles.get(agent.bottle());
            if (bottle != null) {
                policies.put(agent.name(), BottlePolicy.of(agent, bottle));
            } else if (!bottleFiles.contains(agent.bottle())) {
                String fix = DidYouMean.closest(agent.bottle(), bottleFiles).map(s -> "did you mean `" + s + "`?")
                        .orElse(bottleFiles.isEmpty() ? "create " + locations.bottlesDir().resolve(agent.bottle() + ".md")
                                : "bottles: " + String.join(", ", bottleFiles));
                diagnostics.add(new Diagnostic(Diagnostic.Severity.ERROR, agent.source(), parsed.bottleAt().line(),
                        parsed.bottleAt().column(), "bottle `" + agent.bottle() + "` does not exist (bottles come only "
                        + "from " + locations.bottlesDir() + "/); " + fix));
                markInvalid(agent.source());
            }
        }
        List<Agent> validAgents = agents.values().stream().map(AgentReader.Parsed::agent).toList();
        return new Manifests(locations, files, List.copyOf(bottles.values()), validAgents, policies, diagnostics);
    }

    /** A repository agent must not be a link to a file elsewhere (say, one of the user's own files). */
    private boolean insideRepository(Path file) {
        try {
            return file.toRealPath().startsWith(locations.repo().orElseThrow().toRealPath());
        } catch (IOException e) {
            return false;
        }
    }

    private Optional<Bottle> readBottle(Path file) {
        Problems problems = new Problems(file);
        Optional<Bottle> bottle = parse(file, problems)
                .flatMap(doc -> BottleReader.read(nameOf(file), file, doc.root(), doc.body(), locations.userHome(), problems));
        diagnostics.addAll(problems.all());
        files.add(new ManifestFile(ManifestFile.Kind.BOTTLE, nameOf(file), file, false, bottle.isPresent()));
        return bottle;
    }

    private Optional<AgentReader.Parsed> readAgent(Path file, boolean fromRepo) {
        Problems problems = new Problems(file);
        Optional<AgentReader.Parsed> agent = parse(file, problems).flatMap(doc -> AgentReader.read(nameOf(file), file,
                fromRepo, doc.root(), doc.body(), locations.bottlesDir(), problems));
        diagnostics.addAll(problems.all());
        files.add(new ManifestFile(ManifestFile.Kind.AGENT, nameOf(file), file, fromRepo, agent.isPresent()));
        return agent;
    }

    private void markInvalid(Path source) {
        files.replaceAll(f -> f.source().equals(source)
                ? new ManifestFile(f.kind(), f.name(), f.source(), f.fromRepo(), false) : f);
    }

    private record Document(YNode.Map root, String body) {}

    private Optional<Document> parse(Path file, Problems problems) {
        String text;
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                problems.error(Position.FILE_START, "file is larger than 1 MiB; manifests are small text files");
                return Optional.empty();
            }
            text = Files.readString(file);
        } catch (CharacterCodingException e) {
            problems.error(Position.FILE_START, "not valid UTF-8 text; save the file as UTF-8");
            return Optional.empty();
        } catch (IOException e) {
            problems.error(Position.FILE_START, "cannot read the file (" + e.getMessage() + "); check its permissions");
            return Optional.empty();
        }
        Optional<Frontmatter> frontmatter = Frontmatter.split(text, problems);
        if (frontmatter.isEmpty()) {
            return Optional.empty();
        }
        Frontmatter fm = frontmatter.get();
        Optional<YNode> root = YamlReader.read(fm.yaml(), fm.firstYamlLine(), problems);
        if (root.isEmpty() && problems.hasErrors()) {
            return Optional.empty();
        }
        if (root.isEmpty() || (root.get() instanceof YNode.Scalar s && s.kind() == YNode.Scalar.Kind.NULL)) {
            return Optional.of(new Document(new YNode.Map(List.of(), new Position(fm.firstYamlLine(), 1)), fm.body()));
        }
        if (!(root.get() instanceof YNode.Map map)) {
            problems.error(root.get().at(), "frontmatter must be a mapping of keys (key: value lines), found "
                    + root.get().describe());
            return Optional.empty();
        }
        return Optional.of(new Document(map, fm.body()));
    }

    /** The {@code *.md} files of {@code dir} in name order; badly named ones are skipped with a warning. */
    private List<Path> markdownFiles(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> result = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path file : entries.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .filter(Predicate.not(Files::isDirectory)).sorted().toList()) {
                String name = nameOf(file);
                if (Checks.NAME.matcher(name).matches()) {
                    result.add(file);
                } else {
                    diagnostics.add(new Diagnostic(Diagnostic.Severity.WARNING, file, 0, 0, "skipped: `" + name
                            + "` is not a valid name; names match [a-z][a-z0-9-]* (rename the file)"));
                }
            }
        } catch (IOException e) {
            diagnostics.add(new Diagnostic(Diagnostic.Severity.ERROR, dir, 0, 0,
                    "cannot list the directory (" + e.getMessage() + "); check its permissions"));
        }
        return result;
    }

    private static String nameOf(Path file) {
        String fileName = file.getFileName().toString();
        return fileName.substring(0, fileName.length() - ".md".length());
    }
}
