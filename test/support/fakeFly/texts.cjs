"use strict";
/**
 * Every text the fake prints on failure (and the outputs the program parses), with its
 * provenance. `at` is the file and line in flyctl at the pinned commit that holds the Go format
 * string (prefixed `fly-go:`, `cobra:`, `pflag:`, `go-units:` for those modules; `go:` for the Go
 * standard library, which is not mirrored and so is not checked). The provenance test reads each
 * cited line and fails unless it holds `text`.
 *
 * API texts are what the source cannot show: their words come from the fake's state (a test
 * sets other wordings), with `default` used otherwise. `evidence` names the place in flyctl's
 * source that matches on part of the text, when there is one.
 */

/** Go's fmt verbs as the fake uses them: %s %d %v %t %q, %w for an error's text. */
function sprintf(format, ...args) {
  let i = 0;
  return format.replace(/%([sdvtqw%])/g, (_, verb) => {
    if (verb === "%") return "%";
    const a = args[i++];
    switch (verb) {
      case "q":
        return typeof a === "string" && a.length === 1 && format.includes("%q in")
          ? `'${a}'`
          : JSON.stringify(String(a));
      case "v":
        return Array.isArray(a) ? `[${a.join(" ")}]` : String(a);
      case "w":
        return a instanceof Error ? a.message : String(a);
      default:
        return String(a);
    }
  });
}

class FlyError extends Error {
  /** @param extraLines printed after the error line (flyerr suggestion / description). */
  constructor(message, exitCode = 1, extraLines = []) {
    super(message);
    this.exitCode = exitCode;
    this.extraLines = extraLines;
  }
}

const T = {
  // cobra v1.10.2 and pflag v1.0.10: argument and flag validation.
  unknownCommand: { text: "unknown command %q for %q%s", at: "cobra:args.go:36" },
  noArgs: { text: "unknown command %q for %q", at: "cobra:args.go:44" },
  minArgs: { text: "requires at least %d arg(s), only received %d", at: "cobra:args.go:77" },
  maxArgs: { text: "accepts at most %d arg(s), received %d", at: "cobra:args.go:87" },
  exactArgs: { text: "accepts %d arg(s), received %d", at: "cobra:args.go:97" },
  rangeArgs: { text: "accepts between %d and %d arg(s), received %d", at: "cobra:args.go:107" },
  runHelp: { text: "Run '%v --help' for usage.", at: "internal/cli/cli.go:124" },
  unknownFlag: { text: "unknown flag: --%s", at: "pflag:errors.go:40" },
  unknownShorthand: { text: "unknown shorthand flag: %q in -%s", at: "pflag:errors.go:44" },
  needsArgument: { text: "flag needs an argument: --%s", at: "pflag:errors.go:78" },
  needsArgumentShort: { text: "flag needs an argument: %q in -%s", at: "pflag:errors.go:75" },
  invalidArgument: { text: "invalid argument %q for %q flag: %v", at: "pflag:errors.go:116" },
  badSyntax: { text: "bad flag syntax: %s", at: "pflag:errors.go:142" },
  parseInt: { text: "strconv.ParseInt: parsing %q: invalid syntax", at: "go:strconv/atoi.go" },
  parseBool: { text: "strconv.ParseBool: parsing %q: invalid syntax", at: "go:strconv/atoi.go" },

  // Sessions, app names, prompts.
  noToken: {
    text: "no access token available. Please login with 'flyctl auth login'",
    at: "fly-go:api.go:11",
  },
  needAppName: {
    text: "the config for your app is missing an app name, add an app field to the fly.toml file or specify with the -a flag",
    at: "internal/command/command.go:758",
  },
  oldToken: {
    text: "MPG commands require updated tokens but found older-style tokens.\n\nPlease upgrade your authentication by running:\n  flyctl auth logout\n  flyctl auth login\n",
    at: "internal/command/mpg/mpg.go:269",
  },
  nonInteractive: { text: "prompt: non interactive", at: "internal/prompt/prompt.go:198" },
  needName: {
    text: "name argument or flag must be specified when not running interactively",
    at: "internal/prompt/prompt.go:580",
  },
  needOrg: {
    text: "org slug must be specified when not running interactively",
    at: "internal/prompt/prompt.go:244",
  },
  orgSelected: {
    text: "automatically selected %s organization: %s",
    at: "internal/prompt/prompt.go:263",
  },
  orgNotFound: { text: "organization %s not found", at: "internal/prompt/prompt.go:274" },
  needRegion: {
    text: "region code must be specified when not running interactively",
    at: "internal/prompt/prompt.go:306",
  },
  needRegions: {
    text: "regions codes must be specified in a comma-separated when not running interactively",
    at: "internal/prompt/prompt.go:307",
  },
  regionNotFound: { text: "region %s not found", at: "internal/prompt/prompt.go:461" },
  regionPaid: {
    text: "region %s requires an organization with a Launch plan or higher. See our plans: https://fly.io/plans",
    at: "internal/prompt/prompt.go:457",
  },
};

module.exports = { T, sprintf, FlyError };
