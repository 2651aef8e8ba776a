/**
 * Exit statuses shared by every `agentbus` command (README, "Exit codes"). Where a command answers a yes/no
 * question, 1 is the "no", as `opa eval --fail` does; 2 is always "could not answer".
 */
export const EXIT_OK = 0;
/** The command ran and the answer is negative: a proof failed, a policy did not compile, `--fail` tripped. */
export const EXIT_NEGATIVE = 1;
/** Bad usage, an unreadable input, or an error that left the question unanswered. */
export const EXIT_ERROR = 2;
