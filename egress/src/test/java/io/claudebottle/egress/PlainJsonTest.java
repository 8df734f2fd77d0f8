package io.claudebottle.egress;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlainJsonTest {

    @Test
    void writesWhatDatabindWritesForPlainValues() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "quote \" backslash \\ newline \n tab \t nul \u0000 é 😀");
        value.put("int", 42);
        value.put("long", Long.MIN_VALUE);
        value.put("double", 0.5);
        value.put("float", 1.25f);
        value.put("big", new BigInteger("123456789012345678901234567890"));
        value.put("decimal", new BigDecimal("1.10"));
        value.put("short", (short) 7);
        value.put("byte", (byte) -3);
        value.put("yes", true);
        value.put("none", null);
        value.put("list", List.of(1, "two", Map.of("three", 3)));
        value.put("nested", Map.of("refs", List.of(Map.of("ref", "refs/heads/main"))));
        value.put("empty", List.of());
        value.put("nulls", Arrays.asList(null, null));

        assertThat(PlainJson.text(value)).isEqualTo(JsonMapper.builder().build().writeValueAsString(value));
    }

    @Test
    void mapKeysAreWrittenAsStrings() {
        assertThat(PlainJson.text(Map.of(7, "seven"))).isEqualTo("{\"7\":\"seven\"}");
    }

    @Test
    void anythingElseIsRefusedNamingItsType() {
        record Finding(String rule) {}
        assertThatThrownBy(() -> PlainJson.text(Map.of("finding", new Finding("aws"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Finding")
                .hasMessageContaining("String, number, boolean, Map or List");
    }
}
