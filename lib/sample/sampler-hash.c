/* sampler-hash: the chained hash tables of the sampler's aggregation
 * (processes by tgid, threads by tid). Intrusive: a node embeds a struct
 * nm_sampler_hlink, so a lookup allocates nothing. See numamig/sampler.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "sampler-internal.h"

static size_t slot_of(const struct nm_sampler_htab *t, pid_t key)
{
	/* Fibonacci hashing; pids are dense, so fold the high bits down. */
	uint32_t h = (uint32_t)key * 0x9E3779B1u;

	return (h ^ (h >> 16)) & t->mask;
}

int nm_sampler_ht_init(struct nm_sampler_htab *t, size_t buckets)
{
	t->b = calloc(buckets, sizeof(*t->b));
	t->mask = buckets - 1;
	t->n = 0;
	return t->b ? 0 : -ENOMEM;
}

void nm_sampler_ht_fini(struct nm_sampler_htab *t)
{
	free(t->b);
	t->b = NULL;
}

struct nm_sampler_hlink *nm_sampler_ht_find(const struct nm_sampler_htab *t, pid_t key)
{
	struct nm_sampler_hlink *l = t->b[slot_of(t, key)];

	while (l && l->key != key)
		l = l->next;
	return l;
}

/* Double the buckets once chains average more than one node. A failed
 * grow only makes chains longer. */
static void grow(struct nm_sampler_htab *t)
{
	struct nm_sampler_htab bigger;

	if (t->n <= t->mask || nm_sampler_ht_init(&bigger, (t->mask + 1) * 2) < 0)
		return;
	for (size_t i = 0; i <= t->mask; i++) {
		for (struct nm_sampler_hlink *l = t->b[i], *next; l; l = next) {
			size_t slot = slot_of(&bigger, l->key);

			next = l->next;
			l->next = bigger.b[slot];
			bigger.b[slot] = l;
		}
	}
	bigger.n = t->n;
	free(t->b);
	*t = bigger;
}

void nm_sampler_ht_add(struct nm_sampler_htab *t, struct nm_sampler_hlink *l)
{
	size_t slot = slot_of(t, l->key);

	l->next = t->b[slot];
	t->b[slot] = l;
	t->n++;
	grow(t);
}

void nm_sampler_ht_del(struct nm_sampler_htab *t, struct nm_sampler_hlink *l)
{
	struct nm_sampler_hlink **pp = &t->b[slot_of(t, l->key)];

	while (*pp && *pp != l)
		pp = &(*pp)->next;
	if (*pp) {
		*pp = l->next;
		t->n--;
	}
}
