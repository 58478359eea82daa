package dev.hotserve.example.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A service that acts on a SAC policy trained elsewhere: the starter makes the {@code sac} model
 * bean from {@code application.properties} and keeps it on the newest checkpoint of its directory.
 */
@SpringBootApplication
public class PolicyApplication {

    public static void main(String[] args) {
        SpringApplication.run(PolicyApplication.class, args);
    }
}
