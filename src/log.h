/* Stable message numbers for this module's log lines ("WOS0nnnn: ..."),
 * kept apart from httpd's own AH numbers so tests and operators can tell
 * them apart. No line may carry a secret: API key, cookie password,
 * token, code or cookie value. */
#ifndef WOS_LOG_H
#define WOS_LOG_H

#define WOSLOGNO(n) "WOS" #n ": "

#endif
