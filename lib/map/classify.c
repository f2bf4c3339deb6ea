/* classify: one classifier of mappings. See numamig/classify.h. */
#include "config.h"

#include <fnmatch.h>
#include <string.h>

#include "numamig/classify.h"

static const char *const verdict_names[NM_NR_VERDICTS] = {
	[NM_VERDICT_ELIGIBLE] = "eligible",
	[NM_VERDICT_POLICY] = "mempolicy",
	[NM_VERDICT_FILE] = "file_backed",
	[NM_VERDICT_EXCLUDED] = "excluded_file",
	[NM_VERDICT_SHARED] = "shared",
	[NM_VERDICT_HUGETLB] = "hugetlb",
	[NM_VERDICT_SPECIAL] = "special",
	[NM_VERDICT_SHARER] = "sharer",
};

const char *nm_verdict_name(enum nm_verdict v)
{
	return (unsigned)v < NM_NR_VERDICTS ? verdict_names[v] : "unknown";
}

static bool excluded(const struct nm_vma_rules *r, const char *path)
{
	for (size_t i = 0; path && i < r->n_exclude_files; i++)
		if (fnmatch(r->exclude_files[i], path, 0) == 0)
			return true;
	return false;
}

/* The kernel's special mappings: bracketed names other than the heap, the
 * stacks and named anonymous memory. */
static bool special(const char *path)
{
	return path && path[0] == '[' && strcmp(path, "[heap]") != 0 &&
	       strncmp(path, "[stack", 6) != 0 && strncmp(path, "[anon:", 6) != 0;
}

enum nm_verdict nm_vma_classify(const struct nm_vma_rules *r, const struct nm_vma_facts *v)
{
	if (r->honour_policy && v->policy)
		return NM_VERDICT_POLICY;
	if (v->huge)
		return NM_VERDICT_HUGETLB;
	if (special(v->path))
		return NM_VERDICT_SPECIAL;
	/* Exclusion first, so a library shows as excluded even when file
	 * mappings are off altogether; a library's written private pages
	 * (.data, the relocated GOT) are the process's own. */
	if (v->file && !v->written && excluded(r, v->path))
		return NM_VERDICT_EXCLUDED;
	if (v->file && !r->file_backed)
		return NM_VERDICT_FILE;
	/* With max_mapcount 1 the pagemap exclusive bit filters page by page;
	 * above 1 there is no per-page mapcount without CAP_SYS_ADMIN, so
	 * the VMA's maximum decides for all of its pages. */
	if (r->max_mapcount > 1 && v->mapmax > r->max_mapcount)
		return NM_VERDICT_SHARED;
	return NM_VERDICT_ELIGIBLE;
}
