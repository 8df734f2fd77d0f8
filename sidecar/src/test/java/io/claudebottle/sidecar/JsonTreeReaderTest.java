package io.claudebottle.sidecar;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTreeReaderTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"bottle\":\"b\",\"egress\":{\"port\":3128,\"allowlist\":[\"a.example\",\"*.b.example:8443\"],\"dlpExempt\":{}}}",
            "[1, -2147483649, 12345678901234567890123, 0.5, 1e3, -0.0, true, false, null, \"\\u00e9\\n\"]",
            "{\"dup\":1,\"dup\":{\"x\":[[],{}]}}",
            "\"just a string\"",
            "  7  ",
    })
    void readsTheTreeDatabindReads(String json) {
        JsonNode expected = JsonMapper.builder().build().readTree(json);
        JsonNode actual = JsonTreeReader.read(json);
        assertThat(actual).isEqualTo(expected);
        assertThat(actual.toString()).isEqualTo(expected.toString());
    }

    @Test
    void noValueIsNull() {
        assertThat(JsonTreeReader.read("")).isNull();
        assertThat(JsonTreeReader.read("  \n ")).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\":1} {\"b\":2}", "{\"a\":1}]", "{\"a\":", "{\"a\" 1}", "[1,]", "{'a':1}", "NaN"})
    void malformedOrTrailingContentIsRefused(String json) {
        assertThatThrownBy(() -> JsonTreeReader.read(json)).isInstanceOf(JacksonException.class);
    }

    @Test
    void aConfigWithTrailingContentNamesTheFileAndThePlace() {
        assertThatThrownBy(() -> SidecarConfig.parse("{\"bottle\":\"b\",\"auditLog\":\"/a\",\"caCertFile\":\"/c\"}\n  x", "config.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("sidecar config config.json: not valid JSON:")
                .hasMessageEndingWith("(line 2, column 3)");
    }
}
