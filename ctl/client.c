/* client: see client.h. Blocking I/O bounded by one overall deadline,
 * since numamigctl does one thing at a time. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A blocking connect() to a listener whose backlog is full waits forever;
 * a non-blocking one says EAGAIN at once, and is retried until the
 * deadline. */
int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	long long deadline = now_ms() + CLIENT_CONNECT_MS;
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		if (e != EAGAIN && e != EINTR) {
			close(fd);
			return -e;
		}
		if (now_ms() >= deadline) {
			close(fd);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 50);
	}
	return fd;
}

/* Wait for EVENTS on FD until DEADLINE. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	long long left = deadline - now_ms();
	int r;

	if (left <= 0)
		return -ETIMEDOUT;
	r = poll(&p, 1, (int)left);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r == 0 ? -ETIMEDOUT : 0;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		int r;

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		r = wait_fd(fd, POLLOUT, deadline);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Read up to the frame's NUL into a malloc'd *OUT. */
static int recv_frame(int fd, char **out, size_t *out_len, long long deadline)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap), *nul = NULL;
	int r = 0;

	while (buf && !nul && r == 0) {
		ssize_t n;

		if (len == cap) {
			char *p = cap < CLIENT_REPLY_MAX ? realloc(buf, cap * 2) : NULL;

			if (!p) {
				r = cap < CLIENT_REPLY_MAX ? -ENOMEM : -EMSGSIZE;
				break;
			}
			buf = p;
			cap *= 2;
		}
		n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n == 0)
			r = -ECONNRESET;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			r = -errno;
		else if (n < 0)
			r = wait_fd(fd, POLLIN, deadline);
		else {
			nul = memchr(buf + len, '\0', (size_t)n);
			len += (size_t)n;
		}
	}
	if (!buf)
		return -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*out = buf;
	*out_len = (size_t)(nul - buf);
	return 0;
}

static int parse_reply(const char *buf, size_t len, json_object **reply)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL, *p;

	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, buf, (int)len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  json_tokener_get_parse_end(tok) != len ||
		  !json_object_is_type(o, json_type_object) ||
		  (json_object_object_get_ex(o, "parameters", &p) &&
		   !json_object_is_type(p, json_type_object)))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	if (!o)
		return -EPROTO;
	*reply = o;
	return 0;
}

int client_call(int fd, const char *method, json_object *params, json_object **reply)
{
	long long deadline = now_ms() + CLIENT_TIMEOUT_MS;
	json_object *req = json_object_new_object();
	const char *s;
	size_t len;
	char *buf;
	int r;

	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "method", json_object_new_string(method));
	json_object_object_add(req, "parameters",
			       params ? json_object_get(params) : json_object_new_object());
	s = json_object_to_json_string_length(req, CLIENT_JSON_FLAGS, &len);
	r = send_all(fd, s, len + 1, deadline); /* with json-c's NUL */
	json_object_put(req);
	if (r < 0)
		return r;
	r = recv_frame(fd, &buf, &len, deadline);
	if (r < 0)
		return r;
	r = parse_reply(buf, len, reply);
	free(buf);
	return r;
}
