/* SPDX-License-Identifier: Apache-2.0 */
/* The WorkOS-Signature header on webhook deliveries:
 * "t=<milliseconds since the epoch>, v1=<hex HMAC-SHA256 of "<t>.<body>">"
 * keyed with the webhook secret. Pure: OpenSSL only. */
#ifndef WOS_WEBHOOK_SIG_H
#define WOS_WEBHOOK_SIG_H

#include <stddef.h>

#define WEBHOOK_SIG_MAX_HEADER 512
/* WorkOS's SDK default tolerance, in milliseconds. */
#define WEBHOOK_SIG_TOLERANCE_MS 180000LL

typedef enum {
    WSIG_OK = 0,
    WSIG_MALFORMED,   /* missing, over-long, or not "t=..., v1=..." */
    WSIG_STALE,       /* timestamp outside the tolerance (either way) */
    WSIG_MISMATCH     /* HMAC differs (compared in constant time) */
} wsig_rc;

const char *webhook_sig_str(wsig_rc rc);

/* Splits the header. *t_ms is the timestamp, mac the 32 decoded bytes. */
wsig_rc webhook_sig_parse(const char *header, long long *t_ms,
                          unsigned char mac[32]);

/* Parses and checks a delivery. */
wsig_rc webhook_sig_verify(const char *header, const char *body, size_t len,
                           const char *secret, long long now_ms,
                           long long tolerance_ms);

#endif
