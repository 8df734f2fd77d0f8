package io.claudebottle.egress;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AuditLogTest {

    @Test
    void linesAreJsonWithTsAndServiceFirstAndFieldsInOrder() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("decision", "deny");
        fields.put("quote", "a \"b\"\n\u2028c");
        fields.put("port", 443);
        fields.put("bytes", 1L << 40);
        fields.put("tunnel", true);
        fields.put("rule", null);
        fields.put("ports", Map.of("egress", 3128));
        fields.put("list", List.of("x", 2));
        AuditLog.to(out).write("egress", fields);
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).endsWith("}\n").doesNotContain("\n{").hasLineCount(1);
        JsonNode line = JsonMapper.builder().build().readTree(text);
        assertThat(line.propertyNames()).containsExactly("ts", "service", "decision", "quote", "port", "bytes", "tunnel",
                "rule", "ports", "list");
        assertThat(line.get("service").asString()).isEqualTo("egress");
        assertThat(line.get("quote").asString()).isEqualTo("a \"b\"\n\u2028c");
        assertThat(line.get("bytes").asLong()).isEqualTo(1L << 40);
        assertThat(line.get("ports").get("egress").asInt()).isEqualTo(3128);
        assertThat(Instant.parse(line.get("ts").asString())).isBeforeOrEqualTo(Instant.now());
    }

    @Test
    void aServiceOrTsFieldOverridesTheDefaultInPlace() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AuditLog.to(out).write("egress", Map.of("service", "other", "ts", "then"));
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("{\"ts\":\"then\",\"service\":\"other\"}\n");
    }

    @Test
    void timestampsMatchInstantToString() {
        long second = 1_795_000_000L;
        for (int nano : new int[] {0, 1, 999, 1000, 120_000, 1_000_000, 5_000_000, 123_456_789, 999_999_999, 100_000_000}) {
            Instant t = Instant.ofEpochSecond(second, nano);
            assertThat(AuditLog.Timestamps.format(t)).isEqualTo(t.toString());
            Instant next = Instant.ofEpochSecond(second + 1, nano);
            assertThat(AuditLog.Timestamps.format(next)).isEqualTo(next.toString());
        }
        Instant farFuture = Instant.parse("+12000-01-01T00:00:00.5Z");
        assertThat(AuditLog.Timestamps.format(farFuture)).isEqualTo(farFuture.toString());
    }
}
