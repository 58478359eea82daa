package dev.hotserve.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

/**
 * A bad value stops start-up, and Spring Boot's failure report ("APPLICATION FAILED TO START")
 * names the property: run as a real {@code SpringApplication}, since the report is what the
 * application's operator reads.
 */
@ExtendWith(OutputCaptureExtension.class)
class BadPropertiesTest {

    @TempDir
    Path tmp;

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(HotserveAutoConfiguration.class)
    static class App {}

    private void start(String... properties) {
        new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).properties(properties).run().close();
    }

    @Test
    void aValueOutOfRangeIsReportedWithItsPropertyAndValue(CapturedOutput output) {
        assertThatThrownBy(() -> start("hotserve.models.sac.dir=" + tmp, "hotserve.models.sac.threads=0")).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START").contains("Property: hotserve.models.sac.threads")
                .contains("Value: \"0\"").contains("must be an integer 1-1024");
    }

    @Test
    void aValueOfTheWrongKindIsReportedWithItsProperty(CapturedOutput output) {
        assertThatThrownBy(() -> start("hotserve.models.sac.dir=" + tmp, "hotserve.models.sac.reload-mode=sometimes")).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START").contains("hotserve.models.sac.reload-mode").contains("sometimes");
    }

    @Test
    void bothPathAndDirAreRefusedNamingDir(CapturedOutput output) {
        assertThatThrownBy(() -> start("hotserve.models.sac.dir=" + tmp, "hotserve.models.sac.path=" + tmp.resolve("x.onnx"))).isNotNull();
        assertThat(output).contains("Property: hotserve.models.sac.dir").contains("give either path or dir, not both");
    }

    @Test
    void aNegativeRolloutDurationIsReportedWithItsNestedProperty(CapturedOutput output) {
        assertThatThrownBy(() -> start("hotserve.models.sac.dir=" + tmp, "hotserve.models.sac.rollout.mode=canary",
                "hotserve.models.sac.rollout.canary-fraction=1.5")).isNotNull();
        assertThat(output).contains("Property: hotserve.models.sac.rollout.canary-fraction").contains("must be in (0, 1]");
    }

    @Test
    void aSourceThatIsNotAnS3UriIsRefusedNamingIt(CapturedOutput output) {
        assertThatThrownBy(() -> start("hotserve.models.sac.source=ftp://models/sac/")).isNotNull();
        assertThat(output).contains("Property: hotserve.models.sac.source").contains("Value: \"ftp://models/sac/\"");
    }

    @Test
    void enforcedSignaturesWithoutTrustedKeysAreRefused(CapturedOutput output) {
        assertThatThrownBy(() -> start("hotserve.models.sac.dir=" + tmp, "hotserve.models.sac.signatures=enforce")).isNotNull();
        assertThat(output).contains("Property: hotserve.models.sac.signatures").contains("enforce needs trusted keys");
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(HotserveAutoConfiguration.class)
    static class AppWithRefusingFactory {
        @org.springframework.context.annotation.Bean
        HotModelFactory refusingFactory(dev.hotserve.core.HotserveRuntime runtime, HotserveReloadCounts counts) {
            return new HotModelFactory(runtime, counts, null) {
                @Override
                protected void customize(String name, HotserveProperties.Model properties, dev.hotserve.core.HotModelBuilder builder) {
                    builder.glob(" ");
                }
            };
        }
    }

    @Test
    void aModelTheBuilderRefusesIsReportedNamingItsProperties(CapturedOutput output) {
        assertThatThrownBy(() -> new SpringApplicationBuilder(AppWithRefusingFactory.class).web(WebApplicationType.NONE)
                .properties("hotserve.models.sac.dir=" + tmp).run().close()).isNotNull();
        assertThat(output).contains("APPLICATION FAILED TO START").contains("hotserve.models.sac cannot be built: glob must not be blank")
                .contains("Check the properties under hotserve.models.sac");
    }

    @Test
    void aGoodConfigurationStarts() {
        start("hotserve.models.sac.dir=" + tmp, "hotserve.models.sac.threads=2", "hotserve.models.sac.poll-interval=5s",
                "hotserve.models.sac.reload-mode=background", "hotserve.models.sac.rollout.mode=shadow", "hotserve.state-dir=" + tmp);
    }
}
