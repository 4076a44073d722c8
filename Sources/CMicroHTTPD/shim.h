#ifndef CMICROHTTPD_SHIM_H
#define CMICROHTTPD_SHIM_H
// Why this file exists: MHD_start_daemon, MHD_get_daemon_info and MHD_get_connection_info are
// C-variadic, which Swift does not import at all. Each wrapper below fixes the variadic tail.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/// Starts a daemon bound to `host` (an IPv4 or IPv6 literal; NULL or "" for every IPv4 address).
/// MHD binds inside MHD_start_daemon, so the sockaddr may live on this stack frame.
/// Returns NULL when the host is not a literal address or MHD cannot start (it logs why).
static inline struct MHD_Daemon *
cmhd_start_daemon(unsigned int flags, const char *host, uint16_t port, MHD_AccessHandlerCallback handler,
                  void *handler_cls, const struct MHD_OptionItem *options) {
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
    memset(&v4, 0, sizeof v4);
    memset(&v6, 0, sizeof v6);
    const struct sockaddr *addr = NULL;
    if (host != NULL && host[0] != '\0') {
        if (inet_pton(AF_INET, host, &v4.sin_addr) == 1) {
            v4.sin_family = AF_INET;
            v4.sin_port = htons(port);
            addr = (const struct sockaddr *)&v4;
        } else if (inet_pton(AF_INET6, host, &v6.sin6_addr) == 1) {
            v6.sin6_family = AF_INET6;
            v6.sin6_port = htons(port);
            addr = (const struct sockaddr *)&v6;
            flags |= MHD_USE_IPv6;
        } else {
            return NULL;
        }
    }
    if (addr != NULL) {
        return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                                MHD_OPTION_SOCK_ADDR, addr,
                                MHD_OPTION_ARRAY, options, MHD_OPTION_END);
    }
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

/// The port the daemon really bound (useful with port 0).
static inline uint16_t cmhd_bound_port(struct MHD_Daemon *d) {
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

/// 1 when the peer of `c` is a loopback address (127.0.0.0/8, ::1, or ::ffff:127.x.y.z).
static inline int cmhd_client_is_loopback(struct MHD_Connection *c) {
    const union MHD_ConnectionInfo *i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (i == NULL || i->client_addr == NULL) return 0;
    const struct sockaddr *sa = i->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return 1;
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) return a->sin6_addr.s6_addr[12] == 127;
    }
    return 0;
}

/// Growable buffer of "key\0value\0" pairs; filled by cmhd_collect_values.
struct cmhd_kv_buffer { char *data; size_t len; size_t cap; int failed; };

static enum MHD_Result cmhd_kv_append(void *cls, enum MHD_ValueKind kind, const char *key, const char *value) {
    (void)kind;
    struct cmhd_kv_buffer *b = (struct cmhd_kv_buffer *)cls;
    const char *v = value ? value : "";
    size_t kl = strlen(key) + 1, vl = strlen(v) + 1;
    if (b->len + kl + vl > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + kl + vl > cap) cap *= 2;
        char *grown = (char *)realloc(b->data, cap);
        if (grown == NULL) { b->failed = 1; return MHD_NO; }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, key, kl);
    memcpy(b->data + b->len + kl, v, vl);
    b->len += kl + vl;
    return MHD_YES;
}

/// Copies every header (or query argument) of a request into one malloc'd buffer of
/// "key\0value\0" pairs, so Swift reads them without a C callback of its own.
/// The caller frees `*out` with free(). Returns the byte length.
static inline size_t cmhd_collect_values(struct MHD_Connection *c, enum MHD_ValueKind kind, char **out) {
    struct cmhd_kv_buffer b = { NULL, 0, 0, 0 };
    MHD_get_connection_values(c, kind, cmhd_kv_append, &b);
    *out = b.data;
    return b.len;
}
#endif
