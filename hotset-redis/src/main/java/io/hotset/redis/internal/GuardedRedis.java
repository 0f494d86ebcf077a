package io.hotset.redis.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Every Redis call of the tier goes through here: the circuit breaker decides whether it runs
 * at all (open: fail at once, no per-call timeout), and its outcome and latency feed the breaker.
 */
final class GuardedRedis {
  private final RedisClusterAsyncCommands<String, byte[]> commands;
  private final CircuitBreaker breaker;

  GuardedRedis(RedisClusterAsyncCommands<String, byte[]> commands, CircuitBreaker breaker) {
    this.commands = commands;
    this.breaker = breaker;
  }

  RedisClusterAsyncCommands<String, byte[]> commands() {
    return commands;
  }

  <T> CompletableFuture<T> call(Supplier<? extends CompletionStage<T>> call) {
    if (!breaker.tryAcquirePermission()) {
      return CompletableFuture.failedFuture(CallNotPermittedException.createCallNotPermittedException(breaker));
    }
    long start = System.nanoTime();
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    stage.whenComplete((value, error) -> {
      long took = System.nanoTime() - start;
      // complete first: the caller should not wait for the breaker's bookkeeping
      if (error != null) {
        out.completeExceptionally(error);
        breaker.onError(took, TimeUnit.NANOSECONDS, error);
      } else {
        out.complete(value);
        breaker.onSuccess(took, TimeUnit.NANOSECONDS);
      }
    });
    return out;
  }

  /** EVALSHA, falling back to EVAL when the server does not know the script yet. */
  <T> CompletableFuture<T> eval(Scripts.Script script, ScriptOutputType type, String[] keys, byte[]... args) {
    return call(() -> {
      CompletableFuture<T> first = commands.<T>evalsha(script.sha(), type, keys, args).toCompletableFuture();
      return first.handle((v, e) -> {
        Throwable cause = e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
        if (cause instanceof RedisNoScriptException) {
          return commands.<T>eval(script.source(), type, keys, args).toCompletableFuture();
        }
        return e == null ? CompletableFuture.completedFuture(v) : CompletableFuture.<T>failedFuture(cause);
      }).thenCompose(f -> f);
    });
  }

  /**
   * Waits for a call, at most {@code timeout} (the per-command timeout applies within it), and
   * throws its own failure rather than an ExecutionException around it.
   */
  static <T> T await(CompletableFuture<T> call, long timeout, TimeUnit unit) throws Exception {
    try {
      return call.get(timeout, unit);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] bytes(long n) {
    return Long.toString(n).getBytes(StandardCharsets.UTF_8);
  }
}
