/* SPDX-License-Identifier: Apache-2.0 */
/* The pure half of API-key support: what a presented key may look like,
 * the request body, WorkOS's validation answer, and the compact form a
 * result takes in the shared cache. Pure: APR and jansson. */
#ifndef WOS_APIKEY_PARSE_H
#define WOS_APIKEY_PARSE_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Longest key accepted; WorkOS keys are far shorter. */
#define APIKEY_MAX_LEN 256

/* What a valid key stands for. */
typedef struct {
    const char *id;                  /* api_key_... */
    const char *org_id;              /* owning organisation, or NULL */
    apr_array_header_t *permissions; /* const char *, never NULL */
} apikey_info_t;

typedef enum {
    APIKEY_ANSWER_VALID = 0,  /* *out filled */
    APIKEY_ANSWER_INVALID,    /* {"api_key": null}: unknown or revoked */
    APIKEY_ANSWER_GARBAGE     /* anything else: never read as a yes */
} apikey_answer_t;

/* 1 if value is 1..APIKEY_MAX_LEN characters of printable ASCII without
 * spaces, the only shape worth asking WorkOS about; else 0. */
int apikey_shape_ok(const char *value);

/* {"value":"<value>"} in p, for a value apikey_shape_ok accepted; *len is
 * its length. The caller wipes it after use: it holds the key. */
char *apikey_request_body(apr_pool_t *p, const char *value,
                          apr_size_t *len);

/* Reads a validation answer (the body of an HTTP 200). Owner type
 * "organization" gives org_id = owner.id; "user" gives
 * owner.organization_id. */
apikey_answer_t apikey_parse_answer(apr_pool_t *p, const char *body,
                                    apr_size_t len, apikey_info_t *out);

/* The cache's form of a result: "ok {json}" for a valid key (no secret in
 * it), "no" for an invalid one. NULL if info cannot be written. */
const char *apikey_serialise(apr_pool_t *p, const apikey_info_t *info);
#define APIKEY_CACHED_NO "no"

/* Reads apikey_serialise's output back: VALID with *out filled, INVALID
 * for "no", GARBAGE for anything else (treated as a cache miss). */
apikey_answer_t apikey_deserialise(apr_pool_t *p, const char *text,
                                   apr_size_t len, apikey_info_t *out);

#endif
