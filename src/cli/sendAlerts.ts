/**
 * `--send-alerts`, the one switch of the what-if commands (`replay`, and `simulate` when it comes):
 * without it they never post to a real Teams channel or mailbox, whatever the policy names.
 */
import { Option } from "commander";

export function sendAlertsOption(): Option {
  return new Option("--send-alerts", "send the alerts to the policy's channels (app settings from the environment); default: report them only");
}

/** Replay options from the switch: channels and the environment they read, or neither. */
export function alertDelivery(sendAlerts: boolean | undefined, env: NodeJS.ProcessEnv = process.env): { sendAlerts: boolean; env: NodeJS.ProcessEnv } {
  return sendAlerts === true ? { sendAlerts: true, env } : { sendAlerts: false, env: {} };
}
