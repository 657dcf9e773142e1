// Seed compatibility (DESIGN section 4): the seed's programs took positional arguments;
// map them onto `surveillance <subcommand> ...` and run the same CLI.
// Extra arguments after the seed's positionals (e.g. --log-level debug) are passed through.

/**
 * The argv the seed form stands for.
 * @param {string[]} argv process.argv of the alias (node, script, ...args)
 * @param {(positional: string[]) => string[]} toArgs maps the seed's positional arguments
 * @param {number} positionalCount how many leading arguments are the seed's positionals
 * @returns {string[]}
 */
export const seedArgv = (argv, toArgs, positionalCount) => {
  const [node, script, ...rest] = argv
  const positional = []
  while (positional.length < positionalCount && rest.length > 0 && !String(rest[0]).startsWith("-")) {
    positional.push(String(rest.shift()))
  }
  return [String(node), String(script), ...toArgs(positional), ...rest]
}

/** `CONFIG` -> `--config CONFIG` (nothing when the seed form omitted it: the default applies) */
export const configArgs = (config) => (config === undefined ? [] : ["--config", config])

export const runSeedAlias = async (toArgs, positionalCount) => {
  process.argv = seedArgv(process.argv, toArgs, positionalCount)
  await import("./surveillance.js")
}
