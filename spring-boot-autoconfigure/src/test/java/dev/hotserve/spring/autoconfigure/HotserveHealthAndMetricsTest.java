package dev.hotserve.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.HotModel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The {@code hotserve} health contributor and the {@code hotserve.*} meters, on real checkpoints. */
class HotserveHealthAndMetricsTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HotserveAutoConfiguration.class));

    @TempDir
    Path tmp;

    @Test
    void aServingModelIsUpWithItsVersionGenerationSha256AndEngine() {
        Checkpoints.publish(tmp, "actor_seed0.onnx", "model_0001.onnx", 1);
        runner.withPropertyValues("hotserve.models.sac.dir=" + tmp).run(context -> {
            HotserveHealthContributor health = context.getBean("hotserveHealthContributor", HotserveHealthContributor.class);
            assertThat(health.stream().map(HealthContributors.Entry::name)).containsExactly("sac");
            Health h = ((HealthIndicator) health.getContributor("sac")).health();
            assertThat(h.getStatus()).isEqualTo(Status.UP);
            assertThat(h.getDetails()).containsEntry("version", "model_0001").containsEntry("generation", 1L)
                    .containsEntry("engine", "onnx").containsKey("sha256").doesNotContainKey("lastError");
            assertThat((String) h.getDetails().get("sha256")).hasSize(64);
        });
    }

    @Test
    void aModelWithNoCheckpointIsDownAndAClosedOneOutOfService() {
        runner.withPropertyValues("hotserve.models.sac.dir=" + tmp).run(context -> {
            HotserveHealthContributor health = context.getBean(HotserveHealthContributor.class);
            HealthIndicator sac = (HealthIndicator) health.getContributor("sac");
            assertThat(sac.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(sac.health().getDetails()).containsEntry("generation", 0L).containsKey("source");
            context.getBean("sac", HotModel.class).close();
            assertThat(sac.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
        });
    }

    @Test
    void aRefusedCheckpointIsNamedAsTheLastErrorWhileTheOldVersionStaysUp() {
        Checkpoints.publish(tmp, "actor_seed0.onnx", "model_0001.onnx", 1);
        runner.withPropertyValues("hotserve.models.sac.dir=" + tmp).run(context -> {
            HotModel sac = context.getBean("sac", HotModel.class);
            Checkpoints.publishBytes(tmp, "not a model".getBytes(StandardCharsets.UTF_8), "model_0002.onnx", 2);
            await().until(() -> sac.status().lastError().isPresent());
            Health h = ((HealthIndicator) context.getBean(HotserveHealthContributor.class).getContributor("sac")).health();
            assertThat(h.getStatus()).isEqualTo(Status.UP);
            assertThat(h.getDetails()).containsEntry("version", "model_0001");
            assertThat((String) h.getDetails().get("lastError")).contains("model_0002.onnx");
        });
    }

    @Test
    void theHealthContributorIsOffWhenTheApplicationTurnsItOff() {
        runner.withPropertyValues("hotserve.models.sac.dir=" + tmp, "management.health.hotserve.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("hotserveHealthContributor"));
    }

    @Test
    void theMetersCountTheFirstLoadEvenWhenTheRegistryBindsLaterAndFollowAFailure() {
        Checkpoints.publish(tmp, "actor_seed0.onnx", "model_0001.onnx", 1);
        runner.withPropertyValues("hotserve.models.sac.dir=" + tmp).run(context -> {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            context.getBean(HotserveMeterBinder.class).bindTo(registry);
            assertThat(registry.get("hotserve.model.generation").tag("model", "sac").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("hotserve.model.loaded").tag("model", "sac").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("hotserve.reloads").tags("model", "sac", "kind", "loaded").functionCounter().count()).isEqualTo(1.0);
            assertThat(registry.get("hotserve.model.load").tag("model", "sac").functionTimer().count()).isEqualTo(1.0);
            assertThat(registry.get("hotserve.model.info").tags("model", "sac", "version", "model_0001", "engine", "onnx").gauge().value())
                    .isEqualTo(1.0);

            HotModel sac = context.getBean("sac", HotModel.class);
            Checkpoints.publishBytes(tmp, new byte[] {1, 2, 3}, "model_0002.onnx", 2);
            await().until(() -> registry.get("hotserve.load.failures").tag("model", "sac").functionCounter().count() == 1.0);
            Checkpoints.publish(tmp, "actor_seed1.onnx", "model_0003.onnx", 3);
            await().until(() -> sac.current().orElseThrow().name().equals("model_0003"));
            await().until(() -> registry.find("hotserve.model.info").tags("version", "model_0003").gauge() != null);
            assertThat(registry.find("hotserve.model.info").tags("version", "model_0001").gauge()).isNull();
            assertThat(registry.get("hotserve.model.generation").tag("model", "sac").gauge().value()).isEqualTo(2.0);
            assertThat(registry.get("hotserve.reloads").tags("model", "sac", "kind", "failed").functionCounter().count()).isEqualTo(1.0);
        });
    }

    @Test
    void aModelWithARolloutAndBatchingHasTheirMetersAndEveryModelItsSourceAndAgeMeters() {
        Checkpoints.publish(tmp, "actor_seed0.onnx", "model_0001.onnx", 1);
        runner.withPropertyValues("hotserve.models.sac.dir=" + tmp, "hotserve.models.sac.rollout.mode=canary",
                "hotserve.models.sac.max-batch-size=4", "hotserve.models.sac.max-queue-delay=1ms", "hotserve.state-dir=" + tmp.resolve("state"))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    context.getBean(HotserveMeterBinder.class).bindTo(registry);
                    assertThat(registry.get("hotserve.rollout.phase").tag("model", "sac").gauge().value()).isEqualTo(0.0);
                    assertThat(registry.get("hotserve.rollout.drift").tags("model", "sac", "quantile", "0.99").gauge()).isNotNull();
                    assertThat(registry.get("hotserve.batch.queue.depth").tag("model", "sac").gauge().value()).isEqualTo(0.0);
                    assertThat(registry.get("hotserve.source.reachable").tag("model", "sac").gauge().value()).isEqualTo(1.0);
                    assertThat(registry.get("hotserve.checkpoint.age").tag("model", "sac").gauge().value()).isGreaterThan(0.0);
                    assertThat(context.getBean("sac", HotModel.class).rolloutPolicy().stateFile()).isPresent();
                });
    }

    @Test
    void aModelBeanOfTheApplicationsHasMetersAndHealthToo() {
        Checkpoints.publish(tmp, "actor_seed0.onnx", "model_0001.onnx", 1);
        runner.withBean("policy", HotModel.class, () -> HotModel.builder().name("policy").directory(tmp).build())
                .run(context -> {
                    SimpleMeterRegistry registry = new SimpleMeterRegistry();
                    context.getBean(HotserveMeterBinder.class).bindTo(registry);
                    assertThat(registry.get("hotserve.model.generation").tag("model", "policy").gauge().value()).isEqualTo(1.0);
                    Health h = ((HealthIndicator) context.getBean(HotserveHealthContributor.class).getContributor("policy")).health();
                    assertThat(h.getStatus()).isEqualTo(Status.UP);
                    assertThat(Map.copyOf(h.getDetails())).containsEntry("version", "model_0001");
                });
    }
}
