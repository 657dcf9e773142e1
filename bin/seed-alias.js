// Seed compatibility (DESIGN section 4): the seed's programs took positional arguments;
// map them onto `surveillance <subcommand> ...` and run the same CLI.
// Extra arguments after the seed's positionals (e.g. --log-level debug) are passed through.

/**
 * @param {(positional: string[]) => string[]} toArgs maps the seed's positional arguments
 * @param {number} positionalCount how many leading arguments are the seed's positionals
 */
export const runSeedAlias = async (toArgs, positionalCount) => {
  const [node, script, ...rest] = process.argv
  const positional = []
  while (positional.length < positionalCount && rest.length > 0 && !String(rest[0]).startsWith("-")) {
    positional.push(String(rest.shift()))
  }
  process.argv = [String(node), String(script), ...toArgs(positional), ...rest]
  await import("./surveillance.js")
}
