package io.claudebottle.manifest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Reads frontmatter YAML (snakeyaml-engine, YAML 1.2 Core schema) into a positioned {@link YNode}
 * tree, refusing the parts of YAML the manifest subset forbids: anchors, aliases, tags, block
 * scalars, duplicate keys and bare scalars whose meaning differs between YAML versions.
 *
 * <p>It works on parser events rather than a composed node graph so that an alias is seen as an
 * alias (the composer would silently expand it) and every value keeps its own position.
 */
final class YamlReader {

    private static final ScalarResolver CORE = new CoreSchema().getScalarResolver();
    private static final Set<String> YAML11_BOOLEANS = Set.of(
            "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
            "on", "On", "ON", "off", "Off", "OFF");
    private static final Pattern YAML11_TIMESTAMP = Pattern.compile("\\d{4}-\\d{1,2}-\\d{1,2}([Tt ].*)?");
    private static final Pattern YAML11_SEXAGESIMAL = Pattern.compile("[-+]?\\d[\\d_]*(:[0-5]?\\d)+(\\.\\d*)?");
    private static final Pattern YAML11_NUMBER = Pattern.compile("[-+]?(0b[01_]+|0[0-7_]+|\\d[\\d_]*_[\\d_]*(\\.\\d*)?)");
    private static final Pattern PLAIN_INT = Pattern.compile("-?(0|[1-9]\\d*)");
    private static final Pattern PLAIN_FLOAT = Pattern.compile("-?(0|[1-9]\\d*)\\.\\d+");

    private final Problems problems;
    private final int firstLine;
    private Iterator<Event> events;

    /** @param firstLine the file line (1-based) on which the YAML text starts */
    private YamlReader(Problems problems, int firstLine) {
        this.problems = problems;
        this.firstLine = firstLine;
    }

    /** Returns the root node, or empty if the text is empty or could not be parsed (reported). */
    static Optional<YNode> read(String yaml, int firstLine, Problems problems) {
        return new YamlReader(problems, firstLine).read(yaml);
    }

    private Optional<YNode> read(String yaml) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(problems.file().toString())
                .setSchema(new CoreSchema())
                .setUseMarks(true)
                .setCodePointLimit(1 << 20)
                .build();
        events = new Parse(settings).parseString(yaml).iterator();
        try {
            YNode root = null;
            while (events.hasNext()) {
                Event event = events.next();
                switch (event.getEventId()) {
                    case StreamStart, StreamEnd, DocumentStart, DocumentEnd, Comment -> { }
                    // A second root cannot occur: the parser refuses content after `...` without a
                    // `---`, and a `---` line ends the frontmatter.
                    default -> root = node(event);
                }
            }
            return Optional.ofNullable(root);
        } catch (MarkedYamlEngineException e) {
            Position where = e.getProblemMark().or(e::getContextMark).map(this::position).orElse(new Position(firstLine, 1));
            problems.error(where, "YAML syntax error: " + describe(e) + "; check the indentation and quoting here");
            return Optional.empty();
        } catch (YamlEngineException e) {
            problems.error(new Position(firstLine, 1), "YAML syntax error: " + e.getMessage() + "; check the indentation and quoting");
            return Optional.empty();
        }
    }

    private static String describe(MarkedYamlEngineException e) {
        String problem = e.getProblem() == null ? "" : e.getProblem();
        String context = e.getContext() == null ? "" : e.getContext();
        return (context.isEmpty() ? problem : context + ", " + problem).strip();
    }

    private YNode node(Event event) {
        Position where = at(event);
        if (event instanceof AliasEvent) {
            problems.error(where, "YAML aliases (*name) are not supported; write the value out in full");
            return invalid(where);
        }
        NodeEvent nodeEvent = (NodeEvent) event;
        if (nodeEvent.getAnchor().isPresent()) {
            problems.error(where, "YAML anchors (&" + nodeEvent.getAnchor().get().getValue()
                    + ") are not supported; remove the anchor and write values out in full");
        }
        return switch (event) {
            case ScalarEvent scalar -> scalar(scalar, where);
            case CollectionStartEvent start when event.getEventId() == Event.ID.SequenceStart -> {
                rejectTag(start.getTag(), where);
                yield sequence(where);
            }
            case CollectionStartEvent start -> {
                rejectTag(start.getTag(), where);
                yield mapping(where);
            }
            default -> throw new IllegalStateException("unexpected YAML event " + event);
        };
    }

    private YNode sequence(Position where) {
        List<YNode> items = new ArrayList<>();
        for (Event event = events.next(); event.getEventId() != Event.ID.SequenceEnd; event = events.next()) {
            if (event.getEventId() != Event.ID.Comment) {
                items.add(node(event));
            }
        }
        return new YNode.Seq(List.copyOf(items), where);
    }

    private YNode mapping(Position where) {
        List<YNode.Entry> entries = new ArrayList<>();
        java.util.Map<String, Position> seen = new HashMap<>();
        for (Event event = events.next(); event.getEventId() != Event.ID.MappingEnd; event = events.next()) {
            if (event.getEventId() == Event.ID.Comment) {
                continue;
            }
            YNode key = node(event);
            Event valueEvent = events.next();
            while (valueEvent.getEventId() == Event.ID.Comment) {
                valueEvent = events.next();
            }
            YNode value = node(valueEvent);
            if (!(key instanceof YNode.Scalar keyScalar)) {
                problems.error(key.at(), "keys must be plain names, not " + key.describe() + "; write key: value");
                continue;
            }
            if (keyScalar.kind() == YNode.Scalar.Kind.INVALID) {
                continue;
            }
            Position first = seen.putIfAbsent(keyScalar.value(), keyScalar.at());
            if (first != null) {
                problems.error(keyScalar.at(), "duplicate key `" + keyScalar.value() + "` (first at line "
                        + first.line() + "); merge the two or remove one");
                continue;
            }
            entries.add(new YNode.Entry(keyScalar, value));
        }
        return new YNode.Map(List.copyOf(entries), where);
    }

    private YNode scalar(ScalarEvent event, Position where) {
        String value = event.getValue();
        if (rejectTag(event.getTag(), where)) {
            return invalid(where);
        }
        ScalarStyle style = event.getScalarStyle();
        if (style == ScalarStyle.LITERAL || style == ScalarStyle.FOLDED) {
            problems.error(where, "block scalars (| or >) are not supported in frontmatter; write the value on one line in quotes");
            return invalid(where);
        }
        if (style != ScalarStyle.PLAIN) {
            return new YNode.Scalar(value, YNode.Scalar.Kind.STRING, where);
        }
        Tag tag = CORE.resolve(value, true);
        if (tag.equals(Tag.NULL)) {
            if (value.isEmpty() || value.equals("null")) {
                return new YNode.Scalar(value, YNode.Scalar.Kind.NULL, where);
            }
            return ambiguous(value, "a null in YAML, text elsewhere; write null", where);
        }
        if (tag.equals(Tag.BOOL)) {
            if (value.equals("true") || value.equals("false")) {
                return new YNode.Scalar(value, YNode.Scalar.Kind.BOOL, where);
            }
            return ambiguous(value, "booleans are written true or false", where);
        }
        if (tag.equals(Tag.INT)) {
            if (PLAIN_INT.matcher(value).matches()) {
                return new YNode.Scalar(value, YNode.Scalar.Kind.INT, where);
            }
            return ambiguous(value, "a number in YAML 1.2 that other YAML readers read differently", where);
        }
        if (tag.equals(Tag.FLOAT)) {
            if (PLAIN_FLOAT.matcher(value).matches()) {
                return new YNode.Scalar(value, YNode.Scalar.Kind.FLOAT, where);
            }
            return ambiguous(value, "a number in YAML 1.2 that other YAML readers read differently", where);
        }
        if (YAML11_BOOLEANS.contains(value)) {
            return ambiguous(value, "YAML 1.1 reads it as a boolean", where);
        }
        if (YAML11_TIMESTAMP.matcher(value).matches()) {
            return ambiguous(value, "YAML 1.1 reads it as a date", where);
        }
        if (YAML11_SEXAGESIMAL.matcher(value).matches() || YAML11_NUMBER.matcher(value).matches()) {
            return ambiguous(value, "YAML 1.1 reads it as a number", where);
        }
        return new YNode.Scalar(value, YNode.Scalar.Kind.STRING, where);
    }

    private YNode ambiguous(String value, String reason, Position where) {
        problems.error(where, "bare `" + value + "` is ambiguous (" + reason + "); quote it: \"" + value + "\"");
        return invalid(where);
    }

    private boolean rejectTag(Optional<String> tag, Position where) {
        if (tag.isEmpty()) {
            return false;
        }
        String shown = tag.get().startsWith(Tag.PREFIX) ? "!!" + tag.get().substring(Tag.PREFIX.length()) : tag.get();
        problems.error(where, "YAML tags (" + shown + ") are not supported; remove the tag and quote the value if it is text");
        return true;
    }

    private static YNode invalid(Position where) {
        return new YNode.Scalar("", YNode.Scalar.Kind.INVALID, where);
    }

    private Position at(Event event) {
        return event.getStartMark().map(this::position).orElse(new Position(firstLine, 1));
    }

    private Position position(Mark mark) {
        return new Position(firstLine + mark.getLine(), mark.getColumn() + 1);
    }
}
