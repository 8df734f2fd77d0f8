package io.claudebottle.backend.smolvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class SmolvmStateDbTest {

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    private static final String MACHINE = "claude-bottle-dev";

    @TempDir
    Path tmp;
    private SmolvmDbFixture fixture;
    private final List<String> notices = new ArrayList<>();

    @BeforeEach
    void createDb() throws Exception {
        fixture = new SmolvmDbFixture(SmolvmStateDb.defaultPath(tmp));
    }

    private SmolvmStateDb macDb() {
        return new SmolvmStateDb(fixture.file, HostPlatform.MACOS, notices::add);
    }

    @Test
    void defaultPathIsSmolvmsMacOsStateDb() {
        assertThat(SmolvmStateDb.defaultPath(Path.of("/Users/me")))
                .isEqualTo(Path.of("/Users/me/Library/Application Support/smolvm/server/smolvm.db"));
    }

    @Test
    void blobRoundTripSetsTheAllowlistKeepsTheBlobTypeAndEveryOtherField() throws Exception {
        String original = SmolvmDbFixture.CREATED_FROM_SMOLMACHINE.formatted(MACHINE);
        fixture.insertBlob(MACHINE, original);

        macDb().forceAllowlist(MACHINE, List.of("127.0.0.16/32"));

        assertThat(fixture.typeOf(MACHINE)).isEqualTo("blob");
        String written = new String(fixture.data(MACHINE), StandardCharsets.UTF_8);
        ObjectNode expected = (ObjectNode) JSON.readTree(original);
        expected.putArray("allowed_cidrs").add("127.0.0.16/32");
        assertThat(JSON.readTree(written)).isEqualTo(expected);
        // Field order and number spellings survive, not just the values.
        assertThat(fieldNames(JSON.readTree(written))).containsExactlyElementsOf(fieldNames(expected));
        assertThat(written).contains("\"cpu_share\":1.50", "\"big\":12345678901234567890", "\"allowed_cidrs\":[\"127.0.0.16/32\"]");
        assertThat(macDb().allowedCidrs(MACHINE)).contains(List.of("127.0.0.16/32"));
        assertThat(notices).singleElement().asString().contains(MACHINE, "127.0.0.16/32");
    }

    @Test
    void aTextRowIsRewrittenAsBlob() throws Exception {
        fixture.insertText(MACHINE, SmolvmDbFixture.CREATED_FROM_SMOLMACHINE.formatted(MACHINE));
        assertThat(fixture.typeOf(MACHINE)).isEqualTo("text");

        macDb().forceAllowlist(MACHINE, List.of("127.0.0.17/32"));

        assertThat(fixture.typeOf(MACHINE)).isEqualTo("blob");
        assertThat(macDb().allowedCidrs(MACHINE)).contains(List.of("127.0.0.17/32"));
    }

    @Test
    void onlyTheNamedMachineChanges() throws Exception {
        String other = SmolvmDbFixture.CREATED_FROM_SMOLMACHINE.formatted("someone-elses-vm");
        fixture.insertBlob("someone-elses-vm", other);
        fixture.insertBlob(MACHINE, SmolvmDbFixture.CREATED_FROM_SMOLMACHINE.formatted(MACHINE));

        macDb().forceAllowlist(MACHINE, List.of("127.0.0.16/32"));

        assertThat(fixture.data("someone-elses-vm")).isEqualTo(other.getBytes(StandardCharsets.UTF_8));
        assertThat(macDb().allowedCidrs("someone-elses-vm")).isEmpty();
    }

    @Test
    void anAllowlistGivenAtCreateIsReplacedNotExtended() throws Exception {
        fixture.insertBlob(MACHINE, "{\"name\":\"" + MACHINE + "\",\"allowed_cidrs\":[\"0.0.0.0/0\"]}");

        macDb().forceAllowlist(MACHINE, List.of("127.0.0.16/32"));

        assertThat(macDb().allowedCidrs(MACHINE)).contains(List.of("127.0.0.16/32"));
    }

    @Test
    void onLinuxItIsANoOpThatSaysSo() throws Exception {
        String original = SmolvmDbFixture.CREATED_FROM_SMOLMACHINE.formatted(MACHINE);
        fixture.insertBlob(MACHINE, original);

        new SmolvmStateDb(fixture.file, HostPlatform.LINUX, notices::add).forceAllowlist(MACHINE, List.of("127.0.0.16/32"));
        // Not even a missing DB is an error there.
        new SmolvmStateDb(tmp.resolve("nowhere.db"), HostPlatform.LINUX, notices::add)
                .forceAllowlist(MACHINE, List.of("127.0.0.16/32"));

        assertThat(fixture.data(MACHINE)).isEqualTo(original.getBytes(StandardCharsets.UTF_8));
        assertThat(notices).hasSize(2).allSatisfy(line -> assertThat(line).contains(MACHINE, "macOS only", "LINUX"));
        assertThat(tmp.resolve("nowhere.db")).doesNotExist();
    }

    @Test
    void aMissingDbIsAClearErrorAndIsNotCreated() {
        Path missing = tmp.resolve("elsewhere").resolve("smolvm.db");

        assertThatThrownBy(() -> new SmolvmStateDb(missing, HostPlatform.MACOS, notices::add)
                .forceAllowlist(MACHINE, List.of("127.0.0.16/32")))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("smolvm state DB not found at " + missing)
                .hasMessageContaining("smolvm --version");
        assertThat(missing).doesNotExist();
        assertThat(missing.getParent()).doesNotExist();
    }

    @Test
    void aMissingRowIsAClearErrorNamingTheMachineAndTheDb() throws Exception {
        fixture.insertBlob("claude-bottle-other", "{}");

        assertThatThrownBy(() -> macDb().forceAllowlist(MACHINE, List.of("127.0.0.16/32")))
                .isInstanceOf(SmolvmException.class)
                .hasMessageContaining("'" + MACHINE + "'")
                .hasMessageContaining(fixture.file.toString())
                .hasMessageContaining("[claude-bottle-other]")
                .hasMessageContaining("smolvm machine create " + MACHINE);
    }

    @Test
    void aRowThatIsNotAJsonObjectIsRefusedAndLeftAlone() throws Exception {
        fixture.insertBlob(MACHINE, "[\"not\", \"an object\"]");
        fixture.insertBlob("garbage", "{\"name\": ");

        assertThatThrownBy(() -> macDb().forceAllowlist(MACHINE, List.of("127.0.0.16/32")))
                .isInstanceOf(SmolvmException.class).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> macDb().forceAllowlist("garbage", List.of("127.0.0.16/32")))
                .isInstanceOf(SmolvmException.class).hasMessageContaining("JSON document");
        assertThat(new String(fixture.data(MACHINE), StandardCharsets.UTF_8)).isEqualTo("[\"not\", \"an object\"]");
    }

    @Test
    void aNullAllowlistReadsAsUnrestricted() throws Exception {
        fixture.insertBlob(MACHINE, SmolvmDbFixture.CREATED_FROM_SMOLMACHINE.formatted(MACHINE));

        assertThat(macDb().allowedCidrs(MACHINE)).isEqualTo(Optional.empty());
    }

    @Test
    void theDbFileIsNotTouchedOnLinuxEvenWhenItIsNotADb() throws Exception {
        Path notADb = Files.writeString(tmp.resolve("smolvm.db"), "not sqlite");

        new SmolvmStateDb(notADb, HostPlatform.LINUX, notices::add).forceAllowlist(MACHINE, List.of("127.0.0.16/32"));

        assertThat(Files.readString(notADb)).isEqualTo("not sqlite");
    }

    private static List<String> fieldNames(JsonNode node) {
        return new ArrayList<>(node.propertyNames());
    }
}
