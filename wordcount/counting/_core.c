/* wordcount._core: the counting core of the "whitespace" word mode, in C.
 *
 * Table   a word-frequency table keyed by bytes: open addressing with linear probing, the
 *         entries in the slots themselves, words of up to 12 bytes inside their slot and longer
 *         ones in an arena; int64 counts; no Python object per word.
 * Scanner the twin of tally.Tally (with count._utf8_block's validation): fed blocks of bytes
 *         that must be UTF-8, it counts lines, words and characters and, given a Table, adds
 *         every word to it.
 *
 * The definitions (a word, whitespace, MAX_WORD_BYTES) are counting/tally.py's; tests/test_core.py
 * checks this module against it. Memory is malloc'd (not PyMem) so that a sanitizer build
 * (tests/test_core_sanitizers.py) sees every byte.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32   /* count_file is for POSIX systems; elsewhere the Python side reads every file */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#define MAX_WORD_BYTES 1024       /* == tally.MAX_WORD_BYTES (a test says so) */
#define RELEASE_GIL_BYTES 65536   /* blocks at least this long are validated without the GIL */

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

static PyObject *NotUtf8;         /* wordcount.text.not_utf8.NotUtf8(offset): the class both cores raise */
static uint64_t hash_seed;        /* per process, from Python's own hash secret */

/* ------------------------------------------------------------------------------------------ */
/* Bytes */

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

static inline uint64_t load_le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

static inline void put_le32(uint8_t *p, uint32_t v) { for (int k = 0; k < 4; k++) p[k] = (uint8_t)(v >> (8 * k)); }
static inline void put_le64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v), put_le32(p + 4, (uint32_t)(v >> 32)); }

static inline uint64_t fmix64(uint64_t h)   /* MurmurHash3's finalizer */
{
    h = (h ^ h >> 33) * 0xff51afd7ed558ccdULL;
    h = (h ^ h >> 33) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ h >> 33;
}

static inline uint64_t rotl(uint64_t h, int k) { return h << k | h >> (64 - k); }

/* ------------------------------------------------------------------------------------------ */
/* Table */

#define INLINE_BYTES 12

typedef struct {
    uint64_t hash;               /* 0: the slot is empty (a word's hash is never 0) */
    int64_t count;
    uint32_t len;
    uint8_t key[INLINE_BYTES];   /* the word, zero-padded, if len <= INLINE_BYTES; else its arena offset */
} Slot;                          /* 32 bytes: two to a cache line */

typedef struct {
    PyObject_HEAD
    Slot *slots;
    size_t mask;                 /* number of slots - 1, a power of two */
    size_t n;                    /* words */
    uint8_t *arena;              /* the bytes of the words longer than INLINE_BYTES */
    size_t used, room;
} TableObject;

/* A word about to be looked up. A short word is also read as two integers (k0, k1: its
 * bytes, zero-padded), compared with a slot's key without a call to memcmp. */
typedef struct {
    const uint8_t *p;
    size_t n;
    uint64_t h, k0, k1;
} Probe;

static PyTypeObject TableType;

static inline const uint8_t *slot_word(const TableObject *t, const Slot *s)
{
    size_t off;
    if (s->len <= INLINE_BYTES) return s->key;
    memcpy(&off, s->key, sizeof off);
    return t->arena + off;
}

/* A 64-bit hash (seeded per process, never stored outside it): short words in one step. */
static inline uint64_t hash_long(const uint8_t *p, size_t n)
{
    uint64_t h = hash_seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    for (; n >= 8; p += 8, n -= 8) h = rotl((h ^ load_le64(p)) * 0x87c37b91114253d5ULL, 29);
    if (n) { uint8_t rest[8] = {0}; memcpy(rest, p, n); h = (h ^ load_le64(rest)) * 0x4cf5ad432745937fULL; }
    return fmix64(h);
}

/* Make the probe for p[0:n]; bytes up to `end` may be read (never used beyond n). */
static inline void probe_make(Probe *q, const uint8_t *p, size_t n, const uint8_t *end)
{
    uint64_t h;
    q->p = p, q->n = n;
    if (n <= INLINE_BYTES) {
        uint64_t a, b;
        if ((size_t)(end - p) >= 16) {   /* two loads, then the bytes past n masked off */
            a = load_le64(p), b = load_le64(p + 8);
        } else {
            uint8_t tmp[16] = {0};
            if (n) memcpy(tmp, p, n);
            a = load_le64(tmp), b = load_le64(tmp + 8);
        }
        q->k0 = a &= n >= 8 ? ~0ULL : (1ULL << (8 * n)) - 1;
        q->k1 = b &= n <= 8 ? 0 : (1ULL << (8 * (n - 8))) - 1;
        h = fmix64(rotl((a ^ hash_seed) * 0x87c37b91114253d5ULL, 31) ^ (b | (uint64_t)n << 56) * 0x4cf5ad432745937fULL);
    } else {
        h = hash_long(p, n);
    }
    q->h = h ? h : 1;
}

/* The probe of a word already in a slot (its hash is kept there). */
static inline void probe_of_slot(Probe *q, const TableObject *t, const Slot *s)
{
    q->p = slot_word(t, s), q->n = s->len, q->h = s->hash;
    q->k0 = load_le64(s->key), q->k1 = get_le32(s->key + 8);
}

/* The slot that holds q's word, or the empty slot where it would go. */
static inline Slot *table_find(const TableObject *t, const Probe *q)
{
    for (size_t i = q->h & t->mask;; i = (i + 1) & t->mask) {
        Slot *s = &t->slots[i];
        if (s->hash == q->h && s->len == q->n) {
            if (q->n <= INLINE_BYTES ? load_le64(s->key) == q->k0 && get_le32(s->key + 8) == q->k1
                                     : memcmp(slot_word(t, s), q->p, q->n) == 0)
                return s;
        } else if (s->hash == 0) {
            return s;
        }
    }
}

static void table_free(TableObject *t)
{
    free(t->slots);
    free(t->arena);
    t->slots = NULL, t->arena = NULL;
    t->n = t->used = t->room = t->mask = 0;
}

static int table_alloc(TableObject *t)
{
    t->mask = 15, t->room = 256, t->n = t->used = 0;
    t->slots = calloc(t->mask + 1, sizeof *t->slots);
    t->arena = malloc(t->room);
    if (!t->slots || !t->arena) { table_free(t); PyErr_NoMemory(); return -1; }
    return 0;
}

/* Room for `want` words: slots doubled until the load is at most 0.7. */
static int table_grow(TableObject *t, size_t want)
{
    size_t slots = t->mask + 1;
    while (want > slots / 10 * 7) {
        if (slots > SIZE_MAX / 2 / sizeof(Slot)) { PyErr_NoMemory(); return -1; }
        slots *= 2;
    }
    if (slots == t->mask + 1) return 0;
    Slot *fresh = calloc(slots, sizeof *fresh);
    if (!fresh) { PyErr_NoMemory(); return -1; }
    for (size_t k = 0; k <= t->mask; k++) {
        if (!t->slots[k].hash) continue;
        size_t i = t->slots[k].hash & (slots - 1);
        while (fresh[i].hash) i = (i + 1) & (slots - 1);
        fresh[i] = t->slots[k];
    }
    free(t->slots);
    t->slots = fresh, t->mask = slots - 1;
    return 0;
}

static int arena_reserve(TableObject *t, size_t bytes)
{
    size_t room = t->room;
    while (bytes > room - t->used) {
        if (room > SIZE_MAX / 2) { PyErr_NoMemory(); return -1; }
        room *= 2;
    }
    if (room != t->room) {
        uint8_t *grown = realloc(t->arena, room);
        if (!grown) { PyErr_NoMemory(); return -1; }
        t->arena = grown, t->room = room;
    }
    return 0;
}

/* Put q's word into the empty slot s (found with the current slots). */
static int table_fill(TableObject *t, Slot *s, const Probe *q, int64_t count)
{
    if (q->n > UINT32_MAX) { PyErr_SetString(PyExc_ValueError, "a word longer than 4 GiB"); return -1; }
    if (q->n > INLINE_BYTES) {
        if (arena_reserve(t, q->n) < 0) return -1;
        memcpy(t->arena + t->used, q->p, q->n);
        memset(s->key, 0, sizeof s->key);
        memcpy(s->key, &t->used, sizeof t->used);
        t->used += q->n;
    } else {
        put_le64(s->key, q->k0), put_le32(s->key + 8, (uint32_t)q->k1);
    }
    s->len = (uint32_t)q->n, s->count = count, s->hash = q->h;
    t->n++;
    return 0;
}

/* Counts add as unsigned numbers: wrapping, never undefined behaviour. */
static inline int64_t add_counts(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }

static inline int table_add_probe(TableObject *t, const Probe *q, int64_t count)
{
    Slot *s = table_find(t, q);
    if (s->hash) { s->count = add_counts(s->count, count); return 0; }
    if (t->n + 1 > (t->mask + 1) / 10 * 7) {
        if (table_grow(t, t->n + 1) < 0) return -1;
        s = table_find(t, q);
    }
    return table_fill(t, s, q, count);
}

static int table_add(TableObject *t, const uint8_t *p, size_t n, int64_t count)
{
    Probe q;
    probe_make(&q, p, n, p + n);
    return table_add_probe(t, &q, count);
}

static const Slot *table_get(const TableObject *t, const uint8_t *p, size_t n)
{
    Probe q;
    probe_make(&q, p, n, p + n);
    const Slot *s = table_find(t, &q);
    return s->hash ? s : NULL;
}

/* Whether slot a ranks before slot b in top(): count descending, then the bytes ascending. */
static inline int ranks_before(const TableObject *t, const Slot *a, const Slot *b)
{
    if (a->count != b->count) return a->count > b->count;
    size_t m = a->len < b->len ? a->len : b->len;
    int c = m ? memcmp(slot_word(t, a), slot_word(t, b), m) : 0;
    return c ? c < 0 : a->len < b->len;
}

static PyObject *Table_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwds))
{
    TableObject *t = (TableObject *)type->tp_alloc(type, 0);
    if (t && table_alloc(t) < 0) Py_CLEAR(t);
    return (PyObject *)t;
}

static void Table_dealloc(TableObject *t)
{
    table_free(t);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static PyObject *Table_update(TableObject *t, PyObject *other);

static int Table_init(TableObject *t, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"words", NULL};
    PyObject *words = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Table", names, &words)) return -1;
    if (words == Py_None) return 0;
    PyObject *done = Table_update(t, words);
    Py_XDECREF(done);
    return done ? 0 : -1;
}

static Py_ssize_t Table_len(TableObject *t) { return (Py_ssize_t)t->n; }

static PyObject *Table_add(TableObject *t, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"word", "count", NULL};
    Py_buffer word;
    long long count = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|L:add", names, &word, &count)) return NULL;
    int r = table_add(t, word.buf, (size_t)word.len, count);
    PyBuffer_Release(&word);
    if (r < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *Table_get(TableObject *t, PyObject *args)
{
    Py_buffer word;
    PyObject *fallback = NULL;
    if (!PyArg_ParseTuple(args, "y*|O:get", &word, &fallback)) return NULL;
    const Slot *s = table_get(t, word.buf, (size_t)word.len);
    PyBuffer_Release(&word);
    if (s) return PyLong_FromLongLong(s->count);
    if (fallback) return Py_NewRef(fallback);
    return PyLong_FromLong(0);
}

static int Table_contains(TableObject *t, PyObject *key)
{
    Py_buffer word;
    if (PyObject_GetBuffer(key, &word, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();   /* as `1 in Counter()`: not a word, so not in the table */
        return 0;
    }
    const Slot *s = table_get(t, word.buf, (size_t)word.len);
    PyBuffer_Release(&word);
    return s != NULL;
}

/* Add one (key, value) pair of a mapping. */
/* Entries of another table, or of a table's bytes, are added a few behind where they are read:
 * their slots are fetched from memory meanwhile, as the scanner does with words (a merge into a
 * table of millions of words misses the cache on nearly every entry). */
#define AHEAD 16

typedef struct { Probe q[AHEAD]; int64_t count[AHEAD]; unsigned first, size; } MergeAhead;

static inline int merge_push(TableObject *t, MergeAhead *a, const Probe *q, int64_t count)
{
    if (a->size == AHEAD) {
        if (table_add_probe(t, &a->q[a->first], a->count[a->first]) < 0) return -1;
        a->first = (a->first + 1) % AHEAD, a->size--;
    }
    unsigned k = (a->first + a->size++) % AHEAD;
    a->q[k] = *q, a->count[k] = count;
    PREFETCH(&t->slots[q->h & t->mask]);
    return 0;
}

static int merge_flush(TableObject *t, MergeAhead *a)
{
    for (; a->size; a->size--, a->first = (a->first + 1) % AHEAD)
        if (table_add_probe(t, &a->q[a->first], a->count[a->first]) < 0) return -1;
    return 0;
}

static int merge_table(TableObject *t, TableObject *o)
{
    if (o == t) {   /* every word is found: the slots do not move */
        for (size_t k = 0; k <= t->mask; k++) t->slots[k].count = add_counts(t->slots[k].count, t->slots[k].count);
        return 0;
    }
    if (table_grow(t, t->n + o->n) < 0) return -1;   /* no growing, so no moving, while prefetched */
    MergeAhead ahead = {.first = 0, .size = 0};
    for (size_t k = 0; k <= o->mask; k++) {
        if (!o->slots[k].hash) continue;
        Probe q;
        probe_of_slot(&q, o, &o->slots[k]);
        if (merge_push(t, &ahead, &q, o->slots[k].count) < 0) return -1;
    }
    return merge_flush(t, &ahead);
}

static const uint8_t MAGIC[4] = {'W', 'C', 'T', 1};
#define HEADER_BYTES 12
#define ENTRY_BYTES 12   /* besides the word */

/* The number of entries of a table's bytes (see dumps), or -1 with ValueError set when they
 * are not a whole table's bytes. Only lengths are checked: words may repeat. */
static Py_ssize_t buffer_entries(const uint8_t *p, size_t len)
{
    const char *why = NULL;
    if (len < HEADER_BYTES || memcmp(p, MAGIC, 4) != 0) {
        why = len < HEADER_BYTES ? "too short" : "wrong header or version";
    } else {
        uint64_t n = get_le64(p + 4);
        size_t pos = HEADER_BYTES;
        if (n > (len - HEADER_BYTES) / ENTRY_BYTES) why = "truncated";
        for (uint64_t k = 0; !why && k < n; k++) {
            size_t wl = len - pos >= 4 ? get_le32(p + pos) : SIZE_MAX;
            if (wl == SIZE_MAX || len - pos - 4 < 8 || wl > len - pos - 12) why = "truncated";
            else pos += 12 + wl;
        }
        if (!why && pos != len) why = "bytes after the last word";
        if (!why) return (Py_ssize_t)n;
    }
    PyErr_Format(PyExc_ValueError, "not a Table's bytes: %s", why);
    return -1;
}

/* Add the entries of a table's bytes, checked first, so that bad bytes add nothing. */
static int merge_buffer(TableObject *t, const uint8_t *p, size_t len)
{
    Py_ssize_t n = buffer_entries(p, len);
    if (n < 0 || table_grow(t, t->n + (size_t)n) < 0) return -1;
    MergeAhead ahead = {.first = 0, .size = 0};
    size_t pos = HEADER_BYTES;
    for (Py_ssize_t k = 0; k < n; k++) {
        size_t wl = get_le32(p + pos);
        Probe q;
        probe_make(&q, p + pos + 4, wl, p + len);
        if (merge_push(t, &ahead, &q, (int64_t)get_le64(p + pos + 4 + wl)) < 0) return -1;
        pos += 12 + wl;
    }
    return merge_flush(t, &ahead);
}

static int add_pair(TableObject *t, PyObject *key, PyObject *value)
{
    long long count = PyLong_AsLongLong(value);
    if (count == -1 && PyErr_Occurred()) return -1;
    Py_buffer word;
    if (PyObject_GetBuffer(key, &word, PyBUF_SIMPLE) < 0) return -1;
    int r = table_add(t, word.buf, (size_t)word.len, count);
    PyBuffer_Release(&word);
    return r;
}

static PyObject *Table_update(TableObject *t, PyObject *other)
{
    if (PyObject_TypeCheck(other, &TableType)) {   /* merged slot by slot, hashes reused */
        if (merge_table(t, (TableObject *)other) < 0) return NULL;
        Py_RETURN_NONE;
    }
    if (PyObject_CheckBuffer(other)) {   /* a table's bytes (dumps): merged without a Table made of them */
        Py_buffer view;
        if (PyObject_GetBuffer(other, &view, PyBUF_SIMPLE) < 0) return NULL;
        int r = merge_buffer(t, view.buf, (size_t)view.len);
        PyBuffer_Release(&view);
        if (r < 0) return NULL;
        Py_RETURN_NONE;
    }
    if (PyDict_Check(other)) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(other, &pos, &key, &value))
            if (add_pair(t, key, value) < 0) return NULL;
        Py_RETURN_NONE;
    }
    if (!PyObject_HasAttrString(other, "items")) {
        PyErr_Format(PyExc_TypeError, "Table.update() takes a Table or a mapping, not %.100s",
                     Py_TYPE(other)->tp_name);
        return NULL;
    }
    PyObject *items = PyMapping_Items(other);   /* a list of (key, value) */
    for (Py_ssize_t k = 0; items && k < PyList_GET_SIZE(items); k++) {
        PyObject *pair = PyList_GET_ITEM(items, k);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "items() must give (word, count) pairs");
            Py_CLEAR(items);
        } else if (add_pair(t, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1)) < 0) {
            Py_CLEAR(items);
        }
    }
    if (!items) return NULL;
    Py_DECREF(items);
    Py_RETURN_NONE;
}

static PyObject *Table_to_dict(TableObject *t, PyObject *Py_UNUSED(unused))
{
    PyObject *d = PyDict_New();
    for (size_t k = 0; d && k <= t->mask; k++) {
        const Slot *s = &t->slots[k];
        if (!s->hash) continue;
        PyObject *word = PyBytes_FromStringAndSize((const char *)slot_word(t, s), s->len);
        PyObject *count = word ? PyLong_FromLongLong(s->count) : NULL;
        if (!count || PyDict_SetItem(d, word, count) < 0) Py_CLEAR(d);
        Py_XDECREF(word);
        Py_XDECREF(count);
    }
    return d;
}

static PyObject *Table_items(TableObject *t, PyObject *Py_UNUSED(unused))
{
    PyObject *d = Table_to_dict(t, NULL);
    if (!d) return NULL;
    PyObject *items = PyObject_CallMethod(d, "items", NULL);
    Py_DECREF(d);
    return items;
}

static inline void swap(const Slot **heap, size_t i, size_t j)
{
    const Slot *tmp = heap[i];
    heap[i] = heap[j], heap[j] = tmp;
}

/* top(n) keeps a heap of the n best slots seen so far, the one that ranks last at its root:
 * O(len * log n), no sort of the whole table. */
static void heap_down(const TableObject *t, const Slot **heap, size_t size, size_t i)
{
    for (;;) {
        size_t worst = i, l = 2 * i + 1, r = l + 1;
        if (l < size && ranks_before(t, heap[worst], heap[l])) worst = l;
        if (r < size && ranks_before(t, heap[worst], heap[r])) worst = r;
        if (worst == i) return;
        swap(heap, i, worst);
        i = worst;
    }
}

static PyObject *Table_top(TableObject *t, PyObject *arg)
{
    Py_ssize_t want = PyLong_AsSsize_t(arg);
    if (want == -1 && PyErr_Occurred()) return NULL;
    if (want <= 0 || t->n == 0) return PyList_New(0);
    size_t k = (size_t)want < t->n ? (size_t)want : t->n, size = 0;
    const Slot **heap = malloc(k * sizeof *heap);
    if (!heap) return PyErr_NoMemory();
    for (size_t i = 0; i <= t->mask; i++) {
        const Slot *s = &t->slots[i];
        if (!s->hash || s->len > MAX_WORD_BYTES) continue;
        if (size < k) {   /* sift up */
            size_t c = size++;
            for (heap[c] = s; c > 0 && ranks_before(t, heap[(c - 1) / 2], heap[c]); c = (c - 1) / 2)
                swap(heap, c, (c - 1) / 2);
        } else if (ranks_before(t, s, heap[0])) {
            heap[0] = s;
            heap_down(t, heap, size, 0);
        }
    }
    for (size_t m = size; m > 1; m--) {   /* heap sort: the last-ranked go to the end */
        swap(heap, 0, m - 1);
        heap_down(t, heap, m - 1, 0);
    }
    PyObject *list = PyList_New((Py_ssize_t)size);
    for (size_t i = 0; list && i < size; i++) {
        PyObject *pair = Py_BuildValue("(y#L)", (const char *)slot_word(t, heap[i]), (Py_ssize_t)heap[i]->len,
                                       (long long)heap[i]->count);
        if (!pair) Py_CLEAR(list);
        else PyList_SET_ITEM(list, (Py_ssize_t)i, pair);
    }
    free(heap);
    return list;
}

static PyObject *Table_total(TableObject *t, PyObject *Py_UNUSED(unused))
{
    int64_t sum = 0;
    for (size_t k = 0; k <= t->mask; k++)
        sum = add_counts(sum, t->slots[k].count);   /* an empty slot counts 0 */
    return PyLong_FromLongLong(sum);
}

static PyObject *Table_clear(TableObject *t, PyObject *Py_UNUSED(unused))
{
    table_free(t);
    if (table_alloc(t) < 0) return NULL;
    Py_RETURN_NONE;
}

/* The byte form: "WCT" 1 (format version), u64 number of words, then per word u32 length,
 * its bytes, i64 count; little-endian, in no particular order. */
static PyObject *Table_dumps(TableObject *t, PyObject *Py_UNUSED(unused))
{
    size_t size = HEADER_BYTES + t->n * ENTRY_BYTES;
    for (size_t k = 0; k <= t->mask; k++) size += t->slots[k].hash ? t->slots[k].len : 0;
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (!out) return NULL;
    uint8_t *p = (uint8_t *)PyBytes_AS_STRING(out);
    memcpy(p, MAGIC, 4);
    put_le64(p + 4, t->n);
    p += HEADER_BYTES;
    for (size_t k = 0; k <= t->mask; k++) {
        const Slot *s = &t->slots[k];
        if (!s->hash) continue;
        put_le32(p, s->len);
        if (s->len) memcpy(p + 4, slot_word(t, s), s->len);
        put_le64(p + 4 + s->len, (uint64_t)s->count);
        p += ENTRY_BYTES + s->len;
    }
    return out;
}

static PyObject *Table_loads(PyObject *Py_UNUSED(cls), PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) return NULL;
    const uint8_t *p = view.buf, *end = p + view.len;
    size_t len = (size_t)view.len, pos = HEADER_BYTES;
    TableObject *t = NULL;
    const char *why = NULL;
    if (len < HEADER_BYTES || memcmp(p, MAGIC, 4) != 0) {
        why = len < HEADER_BYTES ? "too short" : "wrong header or version";
        goto fail;
    }
    uint64_t n = get_le64(p + 4);
    if (n > (len - HEADER_BYTES) / ENTRY_BYTES) {   /* checked before anything is allocated */
        why = "truncated";
        goto fail;
    }
    t = (TableObject *)Table_new(&TableType, NULL, NULL);
    if (!t || table_grow(t, (size_t)n) < 0 || arena_reserve(t, len - HEADER_BYTES - (size_t)n * ENTRY_BYTES) < 0)
        goto fail;
    for (uint64_t k = 0; k < n; k++) {
        size_t wl = len - pos >= 4 ? get_le32(p + pos) : SIZE_MAX;
        if (wl == SIZE_MAX || len - pos - 4 < 8 || wl > len - pos - 12) { why = "truncated"; goto fail; }
        Probe q;
        probe_make(&q, p + pos + 4, wl, end);
        int64_t count = (int64_t)get_le64(p + pos + 4 + wl);
        pos += 12 + wl;
        Slot *s = table_find(t, &q);
        if (s->hash) { why = "a word twice"; goto fail; }
        if (table_fill(t, s, &q, count) < 0) goto fail;
    }
    if (pos != len) { why = "bytes after the last word"; goto fail; }
    PyBuffer_Release(&view);
    return (PyObject *)t;
fail:
    if (why) PyErr_Format(PyExc_ValueError, "not a Table's bytes: %s", why);
    Py_XDECREF(t);
    PyBuffer_Release(&view);
    return NULL;
}

static PyObject *Table_reduce(TableObject *t, PyObject *Py_UNUSED(unused))
{
    PyObject *loads = PyObject_GetAttrString((PyObject *)&TableType, "loads");
    PyObject *data = loads ? Table_dumps(t, NULL) : NULL;
    PyObject *result = data ? Py_BuildValue("(O(O))", loads, data) : NULL;
    Py_XDECREF(loads);
    Py_XDECREF(data);
    return result;
}

static PyObject *Table_sizeof(TableObject *t, PyObject *Py_UNUSED(unused))
{
    return PyLong_FromSize_t(sizeof *t + (t->mask + 1) * sizeof(Slot) + t->room);
}

static PyObject *Table_richcompare(PyObject *a, PyObject *b, int op)
{
    if (!PyObject_TypeCheck(b, &TableType) || (op != Py_EQ && op != Py_NE)) Py_RETURN_NOTIMPLEMENTED;
    TableObject *x = (TableObject *)a, *y = (TableObject *)b;
    int equal = x->n == y->n;
    for (size_t k = 0; equal && k <= x->mask; k++) {
        if (!x->slots[k].hash) continue;
        Probe q;
        probe_of_slot(&q, x, &x->slots[k]);
        const Slot *s = table_find(y, &q);
        equal = s->hash && s->count == x->slots[k].count;
    }
    return PyBool_FromLong(equal == (op == Py_EQ));
}

static PyObject *Table_repr(TableObject *t)
{
    return PyUnicode_FromFormat("<wordcount._core.Table of %zu words>", t->n);
}

static PyMethodDef Table_methods[] = {
    {"add", (PyCFunction)(void (*)(void))Table_add, METH_VARARGS | METH_KEYWORDS,
     "add(word, count=1): add count to word's count."},
    {"get", (PyCFunction)Table_get, METH_VARARGS, "get(word, default=0): word's count, or default."},
    {"update", (PyCFunction)Table_update, METH_O,
     "update(other): add the counts of a Table or of a Table's bytes (dumps), merged in C, or of a mapping bytes -> int."},
    {"to_dict", (PyCFunction)Table_to_dict, METH_NOARGS, "to_dict() -> dict[bytes, int], in no particular order"},
    {"items", (PyCFunction)Table_items, METH_NOARGS, "items(): to_dict().items()"},
    {"top", (PyCFunction)Table_top, METH_O,
     "top(n) -> list[(word, count)]: the n most frequent words, count descending, ties by the word's\n"
     "bytes ascending; words longer than MAX_WORD_BYTES left out. n <= 0: []."},
    {"total", (PyCFunction)Table_total, METH_NOARGS, "total(): the sum of the counts."},
    {"clear", (PyCFunction)Table_clear, METH_NOARGS, "clear(): forget every word, free the memory."},
    {"dumps", (PyCFunction)Table_dumps, METH_NOARGS, "dumps() -> bytes: the table in a compact form (see loads)."},
    {"loads", (PyCFunction)Table_loads, METH_O | METH_CLASS,
     "Table.loads(data) -> Table: a table from dumps(); ValueError for anything else."},
    {"__reduce__", (PyCFunction)Table_reduce, METH_NOARGS, "pickled as dumps(), unpickled by loads()."},
    {"__sizeof__", (PyCFunction)Table_sizeof, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods Table_as_sequence = {.sq_contains = (objobjproc)Table_contains};
static PyMappingMethods Table_as_mapping = {.mp_length = (lenfunc)Table_len};

static PyTypeObject TableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wordcount.counting._core.Table",
    .tp_doc = "Table(words=None): a word-frequency table keyed by bytes, counts as int64.",
    .tp_basicsize = sizeof(TableObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = Table_new,
    .tp_init = (initproc)Table_init,
    .tp_dealloc = (destructor)Table_dealloc,
    .tp_methods = Table_methods,
    .tp_as_sequence = &Table_as_sequence,
    .tp_as_mapping = &Table_as_mapping,
    .tp_richcompare = Table_richcompare,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_repr = (reprfunc)Table_repr,
};

/* ------------------------------------------------------------------------------------------ */
/* UTF-8 and whitespace */

enum { U_OK, U_SHORT, U_BAD };

/* The character at p (p[0] >= 0x80, avail >= 1 bytes): as CPython's strict decoder, no
 * overlong forms, no surrogates, nothing above U+10FFFF. U_SHORT: a valid beginning that
 * `avail` cuts off. The error offset is always p's, as UnicodeDecodeError.start is. */
static inline int utf8_decode(const uint8_t *p, size_t avail, size_t *len, uint32_t *cp)
{
    uint8_t b = p[0], lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t c;
    if (b < 0xC2)
        return U_BAD;   /* a continuation byte, or C0/C1 (always overlong) */
    if (b < 0xE0) {
        need = 2, c = b & 0x1F;
    } else if (b < 0xF0) {
        need = 3, c = b & 0x0F;
        lo = b == 0xE0 ? 0xA0 : 0x80;   /* overlong */
        hi = b == 0xED ? 0x9F : 0xBF;   /* surrogates */
    } else if (b < 0xF5) {
        need = 4, c = b & 0x07;
        lo = b == 0xF0 ? 0x90 : 0x80;   /* overlong */
        hi = b == 0xF4 ? 0x8F : 0xBF;   /* above U+10FFFF */
    } else {
        return U_BAD;
    }
    for (size_t k = 1; k < need; k++, lo = 0x80, hi = 0xBF) {
        if (k >= avail) return U_SHORT;
        if (p[k] < lo || p[k] > hi) return U_BAD;
        c = c << 6 | (p[k] & 0x3F);
    }
    *len = need, *cp = c;
    return U_OK;
}

/* tally._SPACE_PATTERNS, as code points */
static inline int wide_space(uint32_t c)
{
    return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x2060 || c == 0x3000;
}

/* Per byte: 1 ASCII whitespace; 2 the lead byte of a character that may be a wide space;
 * 0 anything else (ASCII non-space, continuation bytes, other lead bytes). */
static uint8_t byte_class[256];

/* Length of the wide space that starts at p in valid UTF-8, or 0 if there is none. */
static inline size_t wide_space_at(const uint8_t *p, const uint8_t *end)
{
    size_t avail = (size_t)(end - p);
    if (p[0] == 0xC2) return avail >= 2 && p[1] == 0xA0 ? 2 : 0;
    if (avail < 3) return 0;
    switch (p[0]) {
    case 0xE1:
        return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
    case 0xE2:
        if (p[1] == 0x80) return p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF ? 3 : 0;
        return p[1] == 0x81 && (p[2] == 0x9F || p[2] == 0xA0) ? 3 : 0;
    case 0xE3:
        return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
    }
    return 0;
}

/* The high bit of each byte of x (all ASCII) that equals c. */
static inline uint64_t bytes_equal(uint64_t x, uint8_t c)
{
    uint64_t t = x ^ (ONES * c);   /* zero where equal; every byte < 0x80, so no carries below */
    return ~(t + ONES * 0x7F) & HIGH;
}

/* The high bit of each ASCII whitespace byte of x (all ASCII): 9..13 or 32. */
static inline uint64_t ascii_spaces(uint64_t x)
{
    uint64_t range = (x + ONES * (0x80 - 9)) & ~(x + ONES * (0x80 - 14));
    return (range & HIGH) | bytes_equal(x, ' ');
}

static inline uint64_t count_marks(uint64_t m) { return ((m >> 7) * ONES) >> 56; }

typedef struct { uint64_t lines, words, chars; int in_word; } Counts;

/* Validate p[0:n] and count its complete characters into *c. Returns -1 when it is UTF-8, with
 * *tail the bytes of a character cut off at the end (only when !last), or the index of the
 * first bad byte. Touches nothing but its arguments, so it runs without the GIL. */
static Py_ssize_t scan(const uint8_t *p, size_t n, int last, Counts *c, size_t *tail)
{
    uint64_t lines = c->lines, words = c->words, chars = c->chars, in_word = (uint64_t)c->in_word;
    size_t i = 0;
    *tail = 0;
    for (;;) {
        for (; i + 8 <= n; i += 8) {   /* ASCII, 8 bytes a step */
            uint64_t x = load_le64(p + i);
            if (x & HIGH) break;
            uint64_t spaces = ascii_spaces(x);
            /* a word starts at a non-space byte after a space (the byte before the first is
             * the previous step's last) */
            uint64_t after_space = spaces << 8 | (in_word ^ 1) << 7;
            words += count_marks(~spaces & HIGH & after_space);
            lines += count_marks(bytes_equal(x, '\n'));
            in_word = (spaces >> 63) ^ 1;
            chars += 8;
        }
        if (i >= n) break;
        size_t stop = i + 8 < n ? i + 8 : n;   /* one character at a time over the next 8 bytes */
        while (i < stop) {
            int space;
            if (p[i] < 0x80) {
                space = byte_class[p[i]] == 1, lines += p[i] == '\n', i++;
            } else {
                size_t len;
                uint32_t cp;
                int r = utf8_decode(p + i, n - i, &len, &cp);
                if (r == U_BAD || (r == U_SHORT && last)) return (Py_ssize_t)i;
                if (r == U_SHORT) { *tail = n - i; goto done; }
                space = wide_space(cp);
                i += len;
            }
            chars++, words += !space & !in_word, in_word = !space;
        }
    }
done:
    c->lines = lines, c->words = words, c->chars = chars, c->in_word = (int)in_word;
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Scanner */

typedef struct {
    PyObject_HEAD
    TableObject *table;           /* NULL: totals only */
    unsigned long long lines, words, chars, fed;
    int in_word;                  /* the last character counted belongs to a word */
    int busy;                     /* a feed() is under way (it may have let go of the GIL) */
    uint8_t pending[4];           /* a character the last block cut off */
    size_t npending;
    int in_token, carry_long;     /* a word runs on from the last block; it is too long to keep */
    size_t carry_len;
    uint8_t carry[MAX_WORD_BYTES];   /* its bytes so far */
} ScannerObject;

static int Scanner_init(ScannerObject *s, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"table", NULL};
    PyObject *table = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Scanner", names, &table)) return -1;
    if (table != Py_None && !PyObject_TypeCheck(table, &TableType)) {
        PyErr_Format(PyExc_TypeError, "Scanner() takes a Table or None, not %.100s", Py_TYPE(table)->tp_name);
        return -1;
    }
    if (s->busy) { PyErr_SetString(PyExc_RuntimeError, "Scanner is in use"); return -1; }
    Py_XSETREF(s->table, table == Py_None ? NULL : (TableObject *)Py_NewRef(table));
    s->lines = s->words = s->chars = s->fed = 0;
    s->in_word = s->in_token = s->carry_long = 0;
    s->npending = s->carry_len = 0;
    return 0;
}

static void Scanner_dealloc(ScannerObject *s)
{
    Py_XDECREF(s->table);
    Py_TYPE(s)->tp_free((PyObject *)s);
}

static void raise_not_utf8(unsigned long long offset)
{
    PyObject *exc = PyObject_CallFunction(NotUtf8, "K", offset);
    if (exc) PyErr_SetObject(NotUtf8, exc);
    Py_XDECREF(exc);
}

/* Where the word at p[i] ends: at the first whitespace character, or n. */
static inline size_t word_end(const uint8_t *p, size_t i, size_t n)
{
    for (; i < n; i++) {
        uint8_t k = byte_class[p[i]];
        if (k == 1 || (k == 2 && wide_space_at(p + i, p + n))) return i;
    }
    return n;
}

/* Where the whitespace at p[i] ends: at the first character that is not whitespace, or n. */
static inline size_t space_end(const uint8_t *p, size_t i, size_t n)
{
    while (i < n) {
        uint8_t k = byte_class[p[i]];
        size_t w;
        if (k == 1) i++;
        else if (k == 2 && (w = wide_space_at(p + i, p + n))) i += w;
        else return i;
    }
    return n;
}

static inline void carry_append(ScannerObject *s, const uint8_t *p, size_t n)
{
    if (s->carry_long) return;
    if (n > MAX_WORD_BYTES - s->carry_len)
        s->carry_long = 1;   /* a word, but never one of the frequencies: nothing more to keep */
    else if (n)
        memcpy(s->carry + s->carry_len, p, n), s->carry_len += n;
}

static int end_token(ScannerObject *s)
{
    int r = 0;
    if (s->in_token && !s->carry_long) {
        Probe q;
        probe_make(&q, s->carry, s->carry_len, s->carry + sizeof s->carry);
        r = table_add_probe(s->table, &q, 1);
    }
    s->in_token = s->carry_long = 0, s->carry_len = 0;
    return r;
}

/* Words are looked up a few behind where they are found: their slots are fetched from memory
 * meanwhile (a large table misses the cache on most rare words). */

typedef struct { Probe q[AHEAD]; unsigned first, size; } Ahead;

static inline int ahead_push(TableObject *t, Ahead *a, const uint8_t *p, size_t n, const uint8_t *end)
{
    if (a->size == AHEAD) {
        if (table_add_probe(t, &a->q[a->first], 1) < 0) return -1;
        a->first = (a->first + 1) % AHEAD, a->size--;
    }
    Probe *q = &a->q[(a->first + a->size++) % AHEAD];
    probe_make(q, p, n, end);
    PREFETCH(&t->slots[q->h & t->mask]);
    return 0;
}

static int ahead_flush(TableObject *t, Ahead *a)
{
    for (; a->size; a->size--, a->first = (a->first + 1) % AHEAD)
        if (table_add_probe(t, &a->q[a->first], 1) < 0) return -1;
    return 0;
}

/* Add the words of p[0:n] (valid UTF-8, whole characters; bytes up to `end` readable) to the
 * table; a word that runs on past n is carried. */
static int tokens(ScannerObject *s, const uint8_t *p, size_t n, const uint8_t *end)
{
    TableObject *t = s->table;
    Ahead ahead = {.first = 0, .size = 0};
    size_t i = 0;
    if (s->in_token) {
        i = word_end(p, 0, n);
        carry_append(s, p, i);
        if (i == n) return 0;
        if (end_token(s) < 0) return -1;
    }
    for (;;) {
        i = space_end(p, i, n);
        if (i == n) break;
        size_t j = word_end(p, i, n);
        if (j == n) { s->in_token = 1; carry_append(s, p + i, n - i); break; }
        if (j - i <= MAX_WORD_BYTES && ahead_push(t, &ahead, p + i, j - i, end) < 0) return -1;
        i = j;
    }
    return ahead_flush(t, &ahead);
}

/* Scanner.feed on p[0:n]: the words that start there (a Python int), or NULL with NotUtf8 (nothing
 * counted) or MemoryError set. */
static PyObject *feed_bytes(ScannerObject *s, const uint8_t *p, size_t n, int last)
{
    size_t start = 0, tail = 0;
    Counts c = {s->lines, s->words, s->chars, s->in_word};
    uint8_t head[4];   /* the character the last block cut off, completed */
    size_t head_len = 0;
    PyObject *result = NULL;

    if (s->npending) {
        size_t np = s->npending, take = n < 4 - np ? n : 4 - np;
        uint32_t cp;
        memcpy(head, s->pending, np);
        if (take) memcpy(head + np, p, take);
        int r = utf8_decode(head, np + take, &head_len, &cp);
        if (r == U_BAD || (r == U_SHORT && last)) { raise_not_utf8(s->fed - np); goto out; }
        if (r == U_SHORT) {   /* still not whole: all of this block (take == n) joins it */
            if (n) memcpy(s->pending + np, p, n);
            s->npending += n, s->fed += n;
            result = PyLong_FromLong(0);
            goto out;
        }
        start = head_len - np, c.chars++;
        c.words += !wide_space(cp) & !c.in_word;
        c.in_word = !wide_space(cp);
    }

    Py_ssize_t bad;
    s->busy = 1;
    if (n - start >= RELEASE_GIL_BYTES) {
        Py_BEGIN_ALLOW_THREADS
        bad = scan(p + start, n - start, last, &c, &tail);
        Py_END_ALLOW_THREADS
    } else {
        bad = scan(p + start, n - start, last, &c, &tail);
    }
    s->busy = 0;
    if (bad >= 0) { raise_not_utf8(s->fed + start + (size_t)bad); goto out; }   /* nothing counted */
    if (s->table) {
        if ((head_len && tokens(s, head, head_len, head + head_len) < 0) ||
            tokens(s, p + start, n - start - tail, p + n) < 0)
            goto out;   /* MemoryError: the scanner is not to be used any more */
    }
    result = PyLong_FromUnsignedLongLong(c.words - s->words);
    s->lines = c.lines, s->words = c.words, s->chars = c.chars, s->in_word = c.in_word;
    s->fed += n, s->npending = tail;
    if (tail) memcpy(s->pending, p + n - tail, tail);
out:
    return result;
}

static PyObject *Scanner_feed(ScannerObject *s, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"data", "last", NULL};
    Py_buffer view;
    int last = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|p:feed", names, &view, &last)) return NULL;
    if (s->busy) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_RuntimeError, "Scanner.feed() called while another is under way");
        return NULL;
    }
    PyObject *result = feed_bytes(s, view.buf, (size_t)view.len, last);
    PyBuffer_Release(&view);
    return result;
}

static PyObject *Scanner_finish(ScannerObject *s, PyObject *Py_UNUSED(unused))
{
    if (s->busy) return PyErr_Format(PyExc_RuntimeError, "Scanner.finish() called while a feed() is under way");
    if (s->npending) {   /* the input ended inside a character: no last=True block came */
        raise_not_utf8(s->fed - s->npending);
        return NULL;
    }
    if (s->table && end_token(s) < 0) return NULL;
    s->in_word = 0;
    return PyLong_FromLong(0);
}

static PyMethodDef Scanner_methods[] = {
    {"feed", (PyCFunction)(void (*)(void))Scanner_feed, METH_VARARGS | METH_KEYWORDS,
     "feed(data, last=False) -> int: count one block of UTF-8 bytes; returns the words that start\n"
     "in it. A character cut off at the end is joined with the next block (unless last). Raises\n"
     "NotUtf8 (.offset counted from the first byte ever fed) and counts nothing of the block\n"
     "when it is not UTF-8."},
    {"finish", (PyCFunction)Scanner_finish, METH_NOARGS,
     "finish() -> 0: end the word in progress (adding it to the table)."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Scanner_members[] = {
    {"lines", T_ULONGLONG, offsetof(ScannerObject, lines), READONLY, "newlines counted"},
    {"words", T_ULONGLONG, offsetof(ScannerObject, words), READONLY, "words counted (where they start)"},
    {"chars", T_ULONGLONG, offsetof(ScannerObject, chars), READONLY, "characters (code points) counted"},
    {"fed", T_ULONGLONG, offsetof(ScannerObject, fed), READONLY, "bytes fed so far"},
    {"table", T_OBJECT, offsetof(ScannerObject, table), READONLY, "the Table words are added to, or None"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject ScannerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wordcount.counting._core.Scanner",
    .tp_doc = "Scanner(table=None): lines, words and characters of UTF-8 blocks fed in order, the\n"
              "words added to `table` if given (tally.Tally's twin for the whitespace word mode).",
    .tp_basicsize = sizeof(ScannerObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Scanner_init,
    .tp_dealloc = (destructor)Scanner_dealloc,
    .tp_methods = Scanner_methods,
    .tp_members = Scanner_members,
};

/* ------------------------------------------------------------------------------------------ */

/* ------------------------------------------------------------------------------------------ */
/* A whole small file, in one call */
#ifndef _WIN32

/* Whether a file's bytes need the Python side to decide how they are read: a BOM, a NUL (binary,
 * or UTF-16/32), an XML declaration (its encoding), an ISO-2022 escape or an HZ shift (see
 * decoding.decide), or bzip2's magic (see compressed.kind: gzip's, xz's and zstd's are never UTF-8
 * without a NUL, bzip2's "BZh" is). */
static int needs_a_plan(const uint8_t *p, size_t n)
{
    if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9')
        return 1;
    if (n >= 5 && memcmp(p, "<?xml", 5) == 0)
        return 1;
    if (n >= 2 && ((p[0] == 0xEF && p[1] == 0xBB) || (p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
        return 1;
    if (memchr(p, 0, n) || memchr(p, 0x1B, n)) return 1;
    for (const uint8_t *t = memchr(p, '~', n); t; t = memchr(t + 1, '~', (size_t)(p + n - (t + 1))))
        if (t + 1 < p + n && t[1] == '{') return 1;
    return 0;
}

static void scanner_reset(ScannerObject *s)
{
    s->lines = s->words = s->chars = s->fed = 0;
    s->in_word = s->in_token = s->carry_long = 0;
    s->npending = s->carry_len = 0;
}

/* Whether a regular file's status changed between `before` (when it was opened) and `after`
 * (once read): its size or its modification time. What was read then need not be the file. A
 * size that is not what a read gives, unchanged, says nothing of the file (procfs and sysfs
 * files give 0 or 4096 whatever they hold): toend.changed_while_read is its Python twin. */
#if defined(__APPLE__)
#define MTIME_NSEC(info) ((info).st_mtimespec.tv_nsec)
#else
#define MTIME_NSEC(info) ((info).st_mtim.tv_nsec)
#endif
static int changed_while_read(const struct stat *before, const struct stat *after)
{
    return before->st_size != after->st_size || before->st_mtime != after->st_mtime
           || MTIME_NSEC(*before) != MTIME_NSEC(*after);
}

#define FIRST_READ_BYTES 4096   /* what a file whose size says nothing (0) is first read in */

/* Read the open regular file `fd` to its end, as wc does, whatever its size by fstat (`sized`)
 * says: into `*buf` (malloc'd, the caller frees it), `*n` bytes. 1: read; 0: more than `limit`
 * bytes (nothing more read), or a read error (`*oserror` set, errno kept). -1: MemoryError. */
static int read_to_end(int fd, off_t sized, size_t limit, uint8_t **buf, size_t *n, int *oserror)
{
    size_t cap = (size_t)sized + 1;   /* one more: the end is seen, or a file that grew */
    if (cap < FIRST_READ_BYTES) cap = FIRST_READ_BYTES;
    if (cap > limit + 1) cap = limit + 1;
    *n = 0;
    if (!(*buf = malloc(cap))) { PyErr_NoMemory(); return -1; }
    for (;;) {
        if (*n == cap) {
            if (cap > limit) return 0;   /* more than the limit: the Python side reads it */
            size_t grown = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
            uint8_t *more = realloc(*buf, grown);
            if (!more) { PyErr_NoMemory(); return -1; }
            *buf = more;
            cap = grown;
        }
        ssize_t got = read(fd, *buf + *n, cap - *n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { *oserror = 1; return 0; }
        if (got == 0) return 1;
        *n += (size_t)got;
    }
}

/* Count the file at `cpath` with the scanner `s` (reset first) when it is a regular file of at
 * most `limit` bytes, by fstat and as read to its end, that is UTF-8 with nothing for
 * decoding.decide to decide: 1, its counts in `s`, its size by fstat when opened in `*size`, and in
 * `*changed` whether it changed while it was read. 0: declined, nothing counted (`*oserror` set
 * when it could not be opened or read: errno is kept). -1: MemoryError. */
static int count_one(ScannerObject *s, const char *cpath, Py_ssize_t limit, long long *size, int *changed,
                     int *oserror)
{
    int fd = open(cpath, O_RDONLY | O_CLOEXEC), r = 0;
    struct stat info, after;
    uint8_t *buf = NULL;
    size_t n = 0;
    *oserror = 0;
    if (fd < 0) { *oserror = 1; return 0; }
    if (fstat(fd, &info) < 0) { *oserror = 1; goto out; }
    if (!S_ISREG(info.st_mode) || info.st_size > limit) goto out;
    if ((r = read_to_end(fd, info.st_size, (size_t)limit, &buf, &n, oserror)) != 1) goto out;
    r = 0;
    if (fstat(fd, &after) < 0) { *oserror = 1; goto out; }
    if (needs_a_plan(buf, n)) goto out;
    scanner_reset(s);
    PyObject *fed = feed_bytes(s, buf, n, 1);
    if (!fed) {
        if (!PyErr_ExceptionMatches(NotUtf8)) { r = -1; goto out; }
        PyErr_Clear();   /* not UTF-8: nothing was counted, the Python side reads it */
        goto out;
    }
    Py_DECREF(fed);
    if (s->table && end_token(s) < 0) { r = -1; goto out; }
    *size = (long long)info.st_size;
    *changed = changed_while_read(&info, &after);
    r = 1;
out:
    {
        int saved = errno;
        free(buf);
        close(fd);
        errno = saved;
    }
    return r;
}

static ScannerObject *new_scanner(PyObject *table)
{
    if (table != Py_None && !PyObject_TypeCheck(table, &TableType)) {
        PyErr_Format(PyExc_TypeError, "a Table or None, not %.100s", Py_TYPE(table)->tp_name);
        return NULL;
    }
    return (ScannerObject *)PyObject_CallFunctionObjArgs((PyObject *)&ScannerType, table, NULL);
}

/* count_file(path, table, limit): a regular file of at most `limit` bytes that is UTF-8 with
 * nothing for decoding.decide to decide, counted with one open, fstat, reads to its end, fstat and
 * close: (lines, words, chars, bytes read, size by fstat when opened, changed while read); its
 * words go to `table`. None when the Python side must count it (larger, not regular, a BOM, a
 * NUL, escapes, an XML
 * declaration, not UTF-8): nothing was counted then. OSError when it cannot be opened or read. */
static PyObject *core_count_file(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *path, *encoded = NULL, *table, *result = NULL;
    Py_ssize_t limit;
    long long size = 0;
    int oserror, changed = 0;
    if (!PyArg_ParseTuple(args, "OOn:count_file", &path, &table, &limit)) return NULL;
    ScannerObject *s = new_scanner(table);
    if (!s) return NULL;
    if (PyUnicode_FSConverter(path, &encoded)) {
        int r = count_one(s, PyBytes_AS_STRING(encoded), limit, &size, &changed, &oserror);
        if (r == 1)
            result = Py_BuildValue("(KKKKLO)", s->lines, s->words, s->chars, s->fed, size,
                                   changed ? Py_True : Py_False);
        else if (r == 0 && oserror)
            PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
        else if (r == 0)
            result = Py_NewRef(Py_None);
        Py_DECREF(encoded);
    }
    Py_DECREF(s);
    return result;
}

/* count_files(paths, table, limit) -> ((files, lines, words, chars, bytes), declined, changed):
 * count_file over a batch without a Python call or object per file. The totals are those of the
 * files counted; `declined` holds the indices of the others (nothing counted of them, an error
 * included: the Python side counts them, or reports it), `changed` those counted that changed
 * while they were read (changed_while_read). */
static PyObject *core_count_files(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *paths, *table, *declined = NULL, *changed_list = NULL, *result = NULL;
    Py_ssize_t limit;
    unsigned long long files = 0, lines = 0, words = 0, chars = 0, bytes = 0;
    if (!PyArg_ParseTuple(args, "O!On:count_files", &PyList_Type, &paths, &table, &limit)) return NULL;
    ScannerObject *s = new_scanner(table);
    if (!s || !(declined = PyList_New(0)) || !(changed_list = PyList_New(0))) goto out;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(paths); k++) {
        PyObject *encoded = NULL;
        long long size = 0;
        int oserror, changed = 0, r = -1;
        if (PyUnicode_FSConverter(PyList_GET_ITEM(paths, k), &encoded)) {
            r = count_one(s, PyBytes_AS_STRING(encoded), limit, &size, &changed, &oserror);
            Py_DECREF(encoded);
        }
        if (r < 0) goto out;
        PyObject *index = PyLong_FromSsize_t(k);
        int appended = !index ? -1 : r == 0 ? PyList_Append(declined, index)
                                   : changed ? PyList_Append(changed_list, index) : 0;
        Py_XDECREF(index);
        if (appended < 0) goto out;
        if (r == 1) files++, lines += s->lines, words += s->words, chars += s->chars, bytes += s->fed;
    }
    result = Py_BuildValue("((KKKKK)OO)", files, lines, words, chars, bytes, declined, changed_list);
out:
    Py_XDECREF(declined);
    Py_XDECREF(changed_list);
    Py_XDECREF(s);
    return result;
}
#endif

static PyMethodDef core_functions[] = {
#ifndef _WIN32
    {"count_file", core_count_file, METH_VARARGS,
     "count_file(path, table, limit) -> (lines, words, chars, bytes, size, changed) | None: a small\n"
     "UTF-8 file read to its end and counted in one call, or None when the Python side must count it\n"
     "(nothing counted then)."},
    {"count_files", core_count_files, METH_VARARGS,
     "count_files(paths, table, limit) -> ((files, lines, words, chars, bytes), declined, changed):\n"
     "count_file over a list of paths; the indices of the files left to the Python side, and of\n"
     "those that changed while they were read."},
#endif
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "wordcount.counting._core",
    .m_doc = "The compiled counting core of wordcount: Table, Scanner, NotUtf8, MAX_WORD_BYTES, count_file(s).",
    .m_size = -1,
    .m_methods = core_functions,
};

PyMODINIT_FUNC PyInit__core(void)
{
    for (int b = 0; b < 256; b++)
        byte_class[b] = (b >= 9 && b <= 13) || b == ' ' ? 1 : (b == 0xC2 || (b >= 0xE1 && b <= 0xE3)) ? 2 : 0;
    PyObject *secret = PyBytes_FromString("wordcount._core");   /* hashed with Python's secret */
    if (!secret) return NULL;
    Py_hash_t h = PyObject_Hash(secret);
    Py_DECREF(secret);
    if (h == -1 && PyErr_Occurred()) return NULL;
    hash_seed = fmix64((uint64_t)h ^ 0x2545f4914f6cdd1dULL);

    if (PyType_Ready(&TableType) < 0 || PyType_Ready(&ScannerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (!m) return NULL;
    if (!NotUtf8) {  /* the pure core's class, so that one `except` catches both cores' */
        PyObject *owner = PyImport_ImportModule("wordcount.text.not_utf8");
        if (!owner) goto fail;
        NotUtf8 = PyObject_GetAttrString(owner, "NotUtf8");
        Py_DECREF(owner);
        if (!NotUtf8) goto fail;
    }
    if (PyModule_AddIntConstant(m, "MAX_WORD_BYTES", MAX_WORD_BYTES) < 0 ||
        PyModule_AddObjectRef(m, "NotUtf8", NotUtf8) < 0 ||
        PyModule_AddObjectRef(m, "Table", (PyObject *)&TableType) < 0 ||
        PyModule_AddObjectRef(m, "Scanner", (PyObject *)&ScannerType) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
