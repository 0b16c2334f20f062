/* SPDX-License-Identifier: Apache-2.0 */
/* The registry of the module's entries in the shared cache (WorkOSCache):
 * every kind of entry is declared here once, with what is known about
 * it, and every key is built here. The cache takes a key object, never
 * a bare string, so nothing is stored without naming its type; the
 * cache reads the type's row to pick the shmcb subcache, the tier (this
 * host only, or the whole fleet) and the label it logs instead of the
 * key.
 *
 * A key is the type's name, then its parts, each after a ':':
 * "wos:jwks:<url>", "wos:rev:gen:<env>". These strings are a contract:
 * hosts of one fleet, and a host across restarts, must keep agreeing on
 * them.
 *
 * A network cache is untrusted storage (SPEC): the protect flags are
 * what the cache layer (base/cache.c) does, by construction, to every
 * entry of a fleet type that goes to one. CACHENS_MAC: sealed in an
 * envelope (codec/envelope.h) with a MAC bound to the type and full name
 * under the environment's fleet key (base/secrets.h); CACHENS_ENCRYPTED:
 * also encrypted; CACHENS_HOLDER_KEY: under a key only the holders of the
 * entry's subject have (cachens_key_held), without which the cache
 * refuses the type; CACHENS_OWN_MAC: the value carries its own MAC
 * (credentry.h) and the cache stores it as it is. test_cachens checks
 * that every fleet row is authenticated. Pure: APR only. */
#ifndef WOS_CACHENS_H
#define WOS_CACHENS_H

#include <apr_pools.h>

typedef enum {
    CACHENS_JWKS = 0,           /* the signing keys */
    CACHENS_JWKS_MISS,          /* refetch budget for unknown kids */
    CACHENS_JWKS_MISS_TRUSTED,  /* ... of tokens whose issuer is trusted */
    CACHENS_JWKS_FAIL,          /* a fetch of this host failed */
    CACHENS_JWKS_RECHECK,       /* this host refetched for a failed
                                   signature under a known kid */
    CACHENS_CRED,               /* a verified credential's identity */
    CACHENS_REV_GEN,            /* revocations' generation */
    CACHENS_REV,                /* one revocation */
    CACHENS_EVENTS_CLAIM,       /* which process polls the Events API */
    CACHENS_EVENTS_CURSOR,      /* where polling goes on */
    CACHENS_RT_LOCK,            /* one refresh at WorkOS */
    CACHENS_RT_DONE,            /* its result, for the others */
    CACHENS_APIKEY,             /* an API key's answer */
    CACHENS_APIKEY_LOCK,        /* one validation at WorkOS */
    CACHENS_APIKEY_FAIL,        /* failed API keys of one address */
    CACHENS_APIKEY_FAIL_LOCK,   /* guards that counter */
    CACHENS_FLOW,               /* a sign-in flow already used */
    CACHENS_ASW,                /* an organisation switch WorkOS refused */
    CACHENS_ASW_MEMBERS,        /* a user's organisations, for switching */
    CACHENS_ASW_MEMBERS_LOCK,   /* one fetch of that list at WorkOS */
    CACHENS_ASW_RATE,           /* organisations a user switched to in a
                                   minute */
    CACHENS_ACC,                /* a workos-access decision of WorkOS */
    CACHENS_ACC_LOCK,           /* one such check at WorkOS */
    CACHENS_ACC_OM,             /* a user's membership id in an
                                   organisation, for those checks */
    CACHENS_ACC_OM_LOCK,        /* one lookup of it at WorkOS */
    CACHENS_ACC_FAIL,           /* WorkOS did not answer that check, on
                                   this host */
    CACHENS_COUNT
} cachens_type;

/* Where an entry lives when WorkOSCache is a network cache. */
typedef enum {
    CACHENS_FLEET = 0,  /* the network cache: every host reads it */
    CACHENS_HOST        /* this host's own shmcb tier only */
} cachens_scope;

/* Who can make an entry of this type exist. */
typedef enum {
    CACHENS_BY_MODULE = 0,  /* only the module's own work, or a request
                               that proved a credential or session */
    CACHENS_BY_CALLERS      /* any request, with made-up input: as many
                               entries as requests */
} cachens_creator;

/* shmcb scrolls out a full subcache's oldest entries, live or not: the
 * entries callers create at will get subcaches of their own, so they can
 * never push out a revocation or the keys. */
typedef enum {
    CACHENS_SUB_MODULE = 0,  /* odd first bytes */
    CACHENS_SUB_CALLERS      /* even first bytes */
} cachens_subcache;

/* Protection of an entry on a network cache (flags). */
#define CACHENS_MAC 1        /* a MAC bound to the type and full name */
#define CACHENS_ENCRYPTED 2  /* the value also encrypted */
#define CACHENS_HOLDER_KEY 4 /* ... under the key's holder_key */
#define CACHENS_OWN_MAC 8    /* the value's own MAC: stored as it is */

/* A lifetime the caller sets (from configuration, a token, a record). */
#define CACHENS_TTL_CALLER 0

typedef struct {
    const char *name;     /* "wos:jwks": the key's start and log label */
    int parts;            /* how many ':'-separated parts follow it */
    int ttl;              /* seconds, or CACHENS_TTL_CALLER */
    const char *lifetime; /* the lifetime in words */
    cachens_scope scope;
    cachens_creator creator;
    unsigned protect;     /* CACHENS_MAC, CACHENS_ENCRYPTED... */
    cachens_subcache subcache;
} cachens_t;

#define CACHENS_HOLDER_KEY_LEN 32

/* A key of the shared cache: its type and its name, and for a type with
 * CACHENS_HOLDER_KEY the encryption key its holders derive. */
typedef struct {
    cachens_type type;
    const char *name;
    const unsigned char *holder_key;  /* CACHENS_HOLDER_KEY_LEN bytes */
} cachens_key_t;

/* The type's row; NULL for a value outside the enum. */
const cachens_t *cachens_row(cachens_type type);

/* The key of type with the given parts (NULL-terminated list of
 * strings, exactly the row's number of them), in p. NULL for a wrong
 * type or number of parts; the cache refuses a NULL key. */
const cachens_key_t *cachens_key(apr_pool_t *p, cachens_type type, ...);

/* key with holder_key (CACHENS_HOLDER_KEY_LEN bytes, copied) for the
 * entry's value, in p; NULL if key or holder_key is NULL. */
const cachens_key_t *cachens_key_held(apr_pool_t *p, const cachens_key_t *key,
                                      const unsigned char *holder_key);

/* The row's ttl in seconds (CACHENS_TTL_CALLER for caller-set ones). */
int cachens_ttl(cachens_type type);

#endif
