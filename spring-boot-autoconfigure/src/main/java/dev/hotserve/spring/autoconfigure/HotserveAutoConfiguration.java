package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.HotModel;
import dev.hotserve.core.HotserveRuntime;
import dev.hotserve.server.config.Limits;
import dev.hotserve.server.http.RestApi;
import dev.hotserve.server.inference.ModelRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.InstantSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.servlet.DispatcherServlet;

/**
 * hotserve in a Spring Boot application (README, "In a Spring Boot application"): one {@link HotModel} bean per
 * {@code hotserve.models.<name>} ({@link HotModelRegistrar}), built by {@link HotModelFactory} on
 * one shared {@link HotserveRuntime}; with Actuator's health on the class path, the
 * {@code hotserve} health contributor; with Micrometer, the {@code hotserve_*} meters. Every bean
 * here gives way to one of the application's own. With {@code hotserve.web.enabled=true} in a
 * servlet web application, the models' REST routes too ({@link HotserveWebMapping}).
 *
 * <p>Closing: each model is closed by its bean's destroy method before the runtime it uses,
 * because the models depend on the factory, which depends on the runtime, and Spring destroys
 * dependants first.
 */
@AutoConfiguration
@ConditionalOnClass(HotModel.class)
@EnableConfigurationProperties(HotserveProperties.class)
@Import(HotModelRegistrar.class)
public class HotserveAutoConfiguration {

    /** The engines, loader threads, directory watch and leak check every model shares. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public HotserveRuntime hotserveRuntime() {
        return HotserveRuntime.create();
    }

    @Bean
    @ConditionalOnMissingBean
    public HotserveReloadCounts hotserveReloadCounts() {
        return new HotserveReloadCounts();
    }

    @Bean
    @ConditionalOnMissingBean
    public HotModelFactory hotModelFactory(HotserveRuntime runtime, HotserveReloadCounts counts, HotserveProperties properties,
            ObjectProvider<HotModelBatchObservers> batchObservers) {
        return new HotModelFactory(runtime, counts, properties.getStateDir(), batchObservers::getIfAvailable);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthContributor.class)
    @ConditionalOnEnabledHealthIndicator("hotserve")
    static class Health {

        @Bean
        @ConditionalOnMissingBean(name = "hotserveHealthContributor")
        public HotserveHealthContributor hotserveHealthContributor(ObjectProvider<HotModel> models) {
            return new HotserveHealthContributor(models);
        }
    }

    /**
     * {@code hotserve.web.enabled=true}: the models' native and OIP REST routes in the
     * application's own Spring MVC, answered by the standalone server's code (hotserve-server,
     * which the starter brings without its web servers).
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({RestApi.class, DispatcherServlet.class})
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnProperty(prefix = "hotserve.web", name = "enabled", havingValue = "true")
    static class Web {

        /** What {@code /v2/models/{m}/stats} reports; the factory gives each model's batchers its observer. */
        @Bean
        @ConditionalOnMissingBean
        public HotserveModelStatistics hotserveModelStatistics() {
            return new HotserveModelStatistics();
        }

        /** Every HotModel bean, the application's own included, under its model's name. */
        @Bean
        @ConditionalOnMissingBean
        public RestApi hotserveRestApi(ObjectProvider<HotModel> models, HotserveModelStatistics statistics) {
            return RestApi.of(ModelRegistry.of(models.orderedStream().toList(), statistics::of), Limits.defaults());
        }

        @Bean
        @ConditionalOnMissingBean
        public HotserveWebMapping hotserveWebMapping(RestApi api) {
            return new HotserveWebMapping(api);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterBinder.class)
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean
        public HotserveMeterBinder hotserveMeterBinder(ObjectProvider<HotModel> models, HotserveReloadCounts counts) {
            return new HotserveMeterBinder(models, counts, InstantSource.system());
        }
    }
}
