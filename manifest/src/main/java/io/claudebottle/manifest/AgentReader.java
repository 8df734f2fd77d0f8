package io.claudebottle.manifest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Validates an agent file's frontmatter against the agent schema. */
final class AgentReader {
    static final List<String> KEYS = List.of("bottle", "skills");
    /** Claude Code subagent keys: accepted so one file also works as a Claude Code subagent, and ignored. */
    static final Set<String> CLAUDE_CODE_KEYS = Set.of("name", "description", "model", "color", "memory", "tools");

    private AgentReader() {}

    /** An agent whose bottle name still has to be looked up; {@code bottleAt} points at it. */
    record Parsed(Agent agent, Position bottleAt) {}

    static Optional<Parsed> read(String name, Path source, boolean fromRepo, YNode.Map root, String body,
                                 Path bottlesDir, Problems problems) {
        MapReader top = MapReader.top(root, "agent", problems);
        top.rejectUnknownKeys(KEYS, CLAUDE_CODE_KEYS);
        top.require("bottle", "add `bottle: <name>` naming a file in " + bottlesDir + "/");
        Optional<YNode.Scalar> bottle = top.string("bottle");
        bottle.filter(b -> !Checks.NAME.matcher(b.value()).matches()).ifPresent(b -> problems.error(b.at(),
                "`bottle`: `" + b.value() + "` is not a bottle name; names match [a-z][a-z0-9-]* (the file name "
                        + "in " + bottlesDir + "/ without .md)"));
        List<String> skills = new ArrayList<>();
        List<YNode.Scalar> skillNodes = top.strings("skills");
        for (int i = 0; i < skillNodes.size(); i++) {
            YNode.Scalar skill = skillNodes.get(i);
            if (Checks.SKILL.matcher(skill.value()).matches()) {
                skills.add(skill.value());
            } else {
                problems.error(skill.at(), "`skills[" + i + "]`: `" + skill.value() + "` is not a skill name; "
                        + "use the skill's directory name (letters, digits, . _ and -, no slashes)");
            }
        }
        if (problems.hasErrors() || bottle.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Parsed(new Agent(name, source, fromRepo, bottle.get().value(), skills, body),
                bottle.get().at()));
    }
}
