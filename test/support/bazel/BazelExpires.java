// Parses each argument the way Bazel parses a credential helper's "expires": the
// formatter and the call below are copied from GetCredentialsResponse.java in
// bazelbuild/bazel (RFC_3339_FORMATTER and its read() of "expires"). Bazel itself
// cannot be installed here; this is its parsing rule, run by the real java.time.
// Prints "ok <epoch seconds>" or "error <message>" per argument, one line each.
// Run with the single-file launcher: java BazelExpires.java VALUE...
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;

public class BazelExpires {
  public static final DateTimeFormatter RFC_3339_FORMATTER =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")
          .withZone(ZoneId.from(ZoneOffset.UTC))
          .withResolverStyle(ResolverStyle.LENIENT);

  public static void main(String[] args) {
    for (String value : args) {
      try {
        Instant expires = Instant.from(RFC_3339_FORMATTER.parse(value));
        System.out.println("ok " + expires.getEpochSecond());
      } catch (DateTimeException e) {
        System.out.println("error " + e.getMessage().replace('\n', ' '));
      }
    }
  }
}
