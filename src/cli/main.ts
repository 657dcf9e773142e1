import { runCli } from "./run.js"
import { cli, rootSpec, version } from "./root.js"

runCli(cli, rootSpec, version, process.argv)
