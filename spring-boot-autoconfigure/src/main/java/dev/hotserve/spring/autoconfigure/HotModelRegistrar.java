package dev.hotserve.spring.autoconfigure;

import dev.hotserve.core.HotModel;
import java.util.Map;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.handler.IgnoreErrorsBindHandler;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * One {@link HotModel} bean per {@code hotserve.models.<name>}, named after the model, so that
 * {@code @Qualifier("sac")} (or a parameter named {@code sac}) injects it; closed with the
 * context ({@link HotModel#close()}, the destroy method).
 *
 * <p>The names are known only from the properties, so the beans are registered here rather than
 * by {@code @Bean} methods. An application that defines a bean of the same name replaces ours:
 * auto-configuration is processed after the application's own configuration, so its definition
 * is already there. Only the names are read here, ignoring bad values; the values are bound and
 * validated once, into {@link HotserveProperties}, which each model's bean reads when it is made,
 * so a bad value is reported once, naming its property.
 */
class HotModelRegistrar implements ImportBeanDefinitionRegistrar {

    private final Environment environment;
    private final BeanFactory beanFactory;

    HotModelRegistrar(Environment environment, BeanFactory beanFactory) {
        this.environment = environment;
        this.beanFactory = beanFactory;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        Map<String, HotserveProperties.Model> models = Binder.get(environment)
                .bind(HotserveProperties.PREFIX + ".models", Bindable.mapOf(String.class, HotserveProperties.Model.class),
                        new IgnoreErrorsBindHandler())
                .orElse(Map.of());
        for (String name : models.keySet()) {
            if (registry.containsBeanDefinition(name)) {
                continue;
            }
            RootBeanDefinition model = new RootBeanDefinition(HotModel.class, () -> create(name));
            model.setDestroyMethodName("close");
            model.setDescription("hotserve model '" + name + "' (hotserve.models." + name + ".*)");
            registry.registerBeanDefinition(name, model);
        }
    }

    private HotModel create(String name) {
        HotserveProperties properties = beanFactory.getBean(HotserveProperties.class);
        HotserveProperties.Model m = properties.getModels().get(name);
        if (m == null) {
            throw new IllegalStateException("hotserve.models." + name + " was not bound");
        }
        try {
            return beanFactory.getBean(HotModelFactory.class).create(name, m);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new InvalidModelException(name, e);
        }
    }
}
