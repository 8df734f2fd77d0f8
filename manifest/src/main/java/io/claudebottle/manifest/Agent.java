package io.claudebottle.manifest;

import java.nio.file.Path;
import java.util.List;

/**
 * A valid agent file, from {@code <home>/agents/} or {@code <repo>/.claude-bottle/agents/}.
 *
 * @param fromRepo true when it came from the repository rather than the home directory
 * @param bottle the name of the bottle it runs in
 * @param systemPrompt the Markdown body, whitespace-stripped
 */
public record Agent(String name, Path source, boolean fromRepo, String bottle, List<String> skills,
                    String systemPrompt) {
    public Agent {
        skills = List.copyOf(skills);
    }
}
