package dev.hotserve.spring.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotModelBuilder;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.core.Lease;
import dev.hotserve.core.ModelLoader;
import dev.hotserve.engine.Engines;
import dev.hotserve.engine.LoadedModel;
import dev.hotserve.engine.ModelSignature;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The beans the auto-configuration makes, on the real ONNX engine and the committed fixtures. */
class HotserveAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(HotserveAutoConfiguration.class));

    @TempDir
    Path tmp;

    @Test
    void withNoModelsConfiguredThereIsNoModelBeanAndNothingFails() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBeansOfType(HotModel.class)).isEmpty();
            assertThat(context).hasSingleBean(HotserveRuntime.class).hasSingleBean(HotModelFactory.class);
        });
    }

    @Test
    void oneModelIsABeanNamedAfterItServingTheNewestCheckpointOfItsDirectory() {
        Checkpoints.publish(tmp, "actor_seed0.onnx", "model_0001.onnx", 1);
        runner.withPropertyValues("hotserve.models.sac.dir=" + tmp).run(context -> {
            assertThat(context).hasNotFailed();
            HotModel sac = context.getBean("sac", HotModel.class);
            assertThat(sac.name()).isEqualTo("sac");
            try (Lease lease = sac.acquire()) {
                assertThat(lease.version().name()).isEqualTo("model_0001");
                assertThat(lease.version().engine()).isEqualTo("onnx");
                assertThat(lease.predict(Checkpoints.state(0.1f))).hasSize(1);
            }
        });
    }

    @Test
    void twoModelsAreTwoBeansEachInjectedByItsQualifier() {
        Path sacDir = tmp.resolve("sac");
        Path hedgerDir = tmp.resolve("hedger");
        sacDir.toFile().mkdirs();
        hedgerDir.toFile().mkdirs();
        Checkpoints.publish(sacDir, "actor_seed0.onnx", "model_a.onnx", 1);
        Checkpoints.publish(hedgerDir, "actor_packed.onnx", "model_b.onnx", 1);
        runner.withUserConfiguration(TwoModelsUser.class)
                .withPropertyValues("hotserve.models.sac.dir=" + sacDir, "hotserve.models.hedger.dir=" + hedgerDir)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeansOfType(HotModel.class)).containsOnlyKeys("sac", "hedger");
                    TwoModelsUser user = context.getBean(TwoModelsUser.class);
                    assertThat(user.sac.current().orElseThrow().name()).isEqualTo("model_a");
                    assertThat(user.hedger.current().orElseThrow().name()).isEqualTo("model_b");
                    assertThat(user.hedger.current().orElseThrow().actionDim()).isEqualTo(2);
                });
    }

    @Test
    void aModelBeanOfTheApplicationsReplacesOursOfTheSameName() {
        Path ours = tmp.resolve("ours");
        Path theirs = tmp.resolve("theirs");
        ours.toFile().mkdirs();
        theirs.toFile().mkdirs();
        Checkpoints.publish(ours, "actor_seed0.onnx", "model_ours.onnx", 1);
        Checkpoints.publish(theirs, "actor_seed1.onnx", "model_theirs.onnx", 1);
        runner.withUserConfiguration(OwnSacModel.class)
                .withPropertyValues("hotserve.models.sac.dir=" + ours, "own.dir=" + theirs)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBeansOfType(HotModel.class)).containsOnlyKeys("sac");
                    assertThat(context.getBean("sac", HotModel.class).current().orElseThrow().name()).isEqualTo("model_theirs");
                });
    }

    @Test
    void theApplicationsRuntimeAndFactoryReplaceOurs() {
        Checkpoints.publish(tmp, "actor_seed0.onnx", "model_1.onnx", 1);
        runner.withUserConfiguration(CountingFactory.class).withPropertyValues("hotserve.models.sac.dir=" + tmp).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).getBean(HotModelFactory.class).isInstanceOf(CountingHotModelFactory.class);
            assertThat(context).getBean(HotserveRuntime.class).isSameAs(context.getBean(CountingFactory.class).runtime);
            assertThat(context.getBean(CountingHotModelFactory.class).opened.get("sac")).isNotEmpty();
        });
    }

    @Test
    void closingTheContextClosesEveryModelOnceAndEveryEngineItLoadedOnce() {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        a.toFile().mkdirs();
        b.toFile().mkdirs();
        Checkpoints.publish(a, "actor_seed0.onnx", "model_1.onnx", 1);
        Checkpoints.publish(b, "actor_seed1.onnx", "model_1.onnx", 1);
        AtomicInteger contexts = new AtomicInteger();
        CountingHotModelFactory[] factory = new CountingHotModelFactory[1];
        HotModel[] models = new HotModel[2];
        runner.withUserConfiguration(CountingFactory.class)
                .withPropertyValues("hotserve.models.a.dir=" + a, "hotserve.models.b.dir=" + b)
                .run(context -> {
                    contexts.incrementAndGet();
                    factory[0] = context.getBean(CountingHotModelFactory.class);
                    models[0] = context.getBean("a", HotModel.class);
                    models[1] = context.getBean("b", HotModel.class);
                    // A second version in a, so one engine is retired while the context runs.
                    Checkpoints.publish(a, "actor_seed2.onnx", "model_2.onnx", 2);
                    await().until(() -> models[0].current().orElseThrow().name().equals("model_2"));
                    assertThat(models[0].isClosed()).isFalse();
                });
        assertThat(contexts).hasValue(1);
        assertThat(models[0].isClosed()).isTrue();
        assertThat(models[1].isClosed()).isTrue();
        assertThat(factory[0].created).containsExactlyInAnyOrder("a", "b");
        for (String name : List.of("a", "b")) {
            List<CountingModel> opened = factory[0].opened.get(name);
            assertThat(opened).isNotEmpty();
            // An optimise-after-swap load may still be finishing on a loader thread: it closes what it loaded too.
            await().untilAsserted(() -> assertThat(opened).allSatisfy(m -> assertThat(m.closes).hasValue(1)));
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoModelsUser {
        final HotModel sac;
        final HotModel hedger;

        TwoModelsUser(@Qualifier("sac") HotModel sac, @Qualifier("hedger") HotModel hedger) {
            this.sac = sac;
            this.hedger = hedger;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnSacModel {
        @Bean(destroyMethod = "close")
        HotModel sac(org.springframework.core.env.Environment env) {
            return HotModel.builder().name("sac").directory(Path.of(env.getRequiredProperty("own.dir"))).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CountingFactory {
        final HotserveRuntime runtime = HotserveRuntime.create();

        @Bean(destroyMethod = "close")
        HotserveRuntime ownRuntime() {
            return runtime;
        }

        @Bean
        CountingHotModelFactory countingFactory(HotserveRuntime runtime, HotserveReloadCounts counts) {
            return new CountingHotModelFactory(runtime, counts);
        }
    }

    /** Our factory, with a loader that counts each engine's closes. */
    static class CountingHotModelFactory extends HotModelFactory {
        final List<String> created = new CopyOnWriteArrayList<>();
        final Map<String, List<CountingModel>> opened = new ConcurrentHashMap<>();
        private final HotserveRuntime runtime;

        CountingHotModelFactory(HotserveRuntime runtime, HotserveReloadCounts counts) {
            super(runtime, counts, null);
            this.runtime = runtime;
        }

        @Override
        protected void customize(String name, HotserveProperties.Model properties, HotModelBuilder builder) {
            created.add(name);
            List<CountingModel> mine = opened.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
            ModelLoader real = runtime.engines()::load;
            builder.loader((file, options) -> {
                Engines.Loaded l = real.load(file, options);
                CountingModel m = new CountingModel(l.model());
                mine.add(m);
                return new Engines.Loaded(l.engine(), m);
            });
        }
    }

    static final class CountingModel implements LoadedModel {
        final LoadedModel delegate;
        final AtomicInteger closes = new AtomicInteger();

        CountingModel(LoadedModel delegate) {
            this.delegate = delegate;
        }

        @Override
        public ModelSignature signature() {
            return delegate.signature();
        }

        @Override
        public List<dev.hotserve.engine.Tensor> run(List<dev.hotserve.engine.Tensor> inputs) {
            return delegate.run(inputs);
        }

        @Override
        public float[][] run(float[] input, int rows) {
            return delegate.run(input, rows);
        }

        @Override
        public boolean optimized() {
            return delegate.optimized();
        }

        @Override
        public void close() {
            if (closes.incrementAndGet() == 1) {
                delegate.close();
            }
        }
    }
}
