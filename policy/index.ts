// The gaia policy pack, run by every preview and deploy with `--policy-pack policy`. Constructing
// the pack starts the analyzer's gRPC server, so the rules live in ./rules where tests import them.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("gaia-safety", { policies });
