/* wordcount._core: the counting core of the "whitespace" word mode, in C.
 *
 * Table   a word-frequency table keyed by bytes: open addressing over a dense array of
 *         entries, the words' bytes in one arena, int64 counts; no Python object per word.
 * Scanner the twin of tally.Tally (with count._utf8_block's validation): fed blocks of bytes
 *         that must be UTF-8, it counts lines, words and characters and, given a Table, adds
 *         every word to it.
 *
 * The definitions (a word, whitespace, MAX_WORD_BYTES) are tally.py's; tests/test_core.py
 * checks this module against it. Memory is malloc'd (not PyMem) so that a sanitizer build
 * (tests/test_core_sanitizers.py) sees every byte.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORD_BYTES 1024       /* == tally.MAX_WORD_BYTES (a test says so) */
#define RELEASE_GIL_BYTES 65536   /* blocks at least this long are validated without the GIL */

static PyObject *NotUtf8;         /* class NotUtf8(ValueError), with .offset */
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

static inline void put_le32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static inline int same_bytes(const uint8_t *a, const uint8_t *b, size_t n)
{
    return n == 0 || memcmp(a, b, n) == 0;
}

static inline uint64_t fmix64(uint64_t h)   /* MurmurHash3's finalizer */
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
}

/* A fast 64-bit hash, 8 bytes a step; seeded per process, so never stored outside it. */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = hash_seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ULL);
    for (; n >= 8; p += 8, n -= 8) {
        h = (h ^ load_le64(p)) * 0x87c37b91114253d5ULL;
        h = (h << 29) | (h >> 35);
    }
    if (n) {
        uint64_t v = 0;
        memcpy(&v, p, n);
        h = (h ^ v) * 0x4cf5ad432745937fULL;
    }
    return fmix64(h);
}

/* ------------------------------------------------------------------------------------------ */
/* Table */

typedef struct {
    uint64_t hash;
    int64_t count;
    size_t off;          /* the word's bytes: arena[off : off + len] */
    uint32_t len;
} Entry;

typedef struct {
    PyObject_HEAD
    uint64_t *slots;     /* 0: empty; else (hash >> 32) << 32 | (entry index + 1) */
    size_t mask;         /* number of slots - 1, a power of two */
    Entry *entries;      /* dense, in insertion order */
    size_t n, cap;
    uint8_t *arena;
    size_t used, room;
} TableObject;

static PyTypeObject TableType;

#define TABLE_MAX_ENTRIES ((size_t)UINT32_MAX - 1)

static void table_free(TableObject *t)
{
    free(t->slots);
    free(t->entries);
    free(t->arena);
    t->slots = NULL;
    t->entries = NULL;
    t->arena = NULL;
    t->n = t->cap = t->used = t->room = t->mask = 0;
}

static int table_alloc(TableObject *t)
{
    t->mask = 15;
    t->cap = 8;
    t->room = 64;
    t->n = t->used = 0;
    t->slots = calloc(t->mask + 1, sizeof *t->slots);
    t->entries = malloc(t->cap * sizeof *t->entries);
    t->arena = malloc(t->room);
    if (!t->slots || !t->entries || !t->arena) {
        table_free(t);
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* Index of the entry for word p[0:n] with hash h, or -1 (then *slot is where it would go). */
static inline Py_ssize_t table_find(const TableObject *t, const uint8_t *p, size_t n, uint64_t h, size_t *slot)
{
    uint32_t tag = (uint32_t)(h >> 32);
    size_t i = (size_t)h & t->mask;
    for (;;) {
        uint64_t s = t->slots[i];
        if (s == 0) {
            *slot = i;
            return -1;
        }
        if ((uint32_t)(s >> 32) == tag) {
            const Entry *e = &t->entries[(uint32_t)s - 1];
            if (e->hash == h && e->len == n && same_bytes(t->arena + e->off, p, n))
                return (Py_ssize_t)((uint32_t)s - 1);
        }
        i = (i + 1) & t->mask;
    }
}

static int table_resize(TableObject *t, size_t slots)
{
    uint64_t *fresh = calloc(slots, sizeof *fresh);
    if (!fresh) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t k = 0; k < t->n; k++) {
        uint64_t h = t->entries[k].hash;
        size_t i = (size_t)h & (slots - 1);
        while (fresh[i])
            i = (i + 1) & (slots - 1);
        fresh[i] = (h >> 32) << 32 | (uint64_t)(k + 1);
    }
    free(t->slots);
    t->slots = fresh;
    t->mask = slots - 1;
    return 0;
}

/* Make room for `more` new entries and `bytes` more bytes of words, growing by doubling
 * (slots at a load of 0.7). */
static int table_reserve(TableObject *t, size_t more, size_t bytes)
{
    if (more > TABLE_MAX_ENTRIES - t->n) {
        PyErr_SetString(PyExc_MemoryError, "a Table holds at most 2**32 - 2 words");
        return -1;
    }
    size_t want = t->n + more, slots = t->mask + 1;
    while (want * 10 > slots * 7)
        slots *= 2;
    if (slots != t->mask + 1 && table_resize(t, slots) < 0)
        return -1;
    if (want > t->cap) {
        size_t cap = t->cap;
        while (cap < want)
            cap *= 2;
        Entry *grown = realloc(t->entries, cap * sizeof *grown);
        if (!grown) {
            PyErr_NoMemory();
            return -1;
        }
        t->entries = grown;
        t->cap = cap;
    }
    if (bytes > t->room - t->used) {
        size_t room = t->room;
        while (bytes > room - t->used) {
            if (room > SIZE_MAX / 2) {
                PyErr_NoMemory();
                return -1;
            }
            room *= 2;
        }
        uint8_t *grown = realloc(t->arena, room);
        if (!grown) {
            PyErr_NoMemory();
            return -1;
        }
        t->arena = grown;
        t->room = room;
    }
    return 0;
}

/* A new entry (the word is known to be absent); `slot` from table_find, or SIZE_MAX. */
static int table_insert(TableObject *t, const uint8_t *p, size_t n, uint64_t h, int64_t count, size_t slot)
{
    if (n > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "a word longer than 4 GiB");
        return -1;
    }
    size_t before = t->mask;
    if (t->n + 1 > t->cap || (t->n + 1) * 10 > (t->mask + 1) * 7 || n > t->room - t->used) {
        if (table_reserve(t, 1, n) < 0)
            return -1;
    }
    if (slot == SIZE_MAX || t->mask != before) {   /* look for the empty slot (again) */
        slot = (size_t)h & t->mask;
        while (t->slots[slot])
            slot = (slot + 1) & t->mask;
    }
    Entry *e = &t->entries[t->n];
    e->hash = h;
    e->count = count;
    e->off = t->used;
    e->len = (uint32_t)n;
    if (n)
        memcpy(t->arena + t->used, p, n);
    t->used += n;
    t->slots[slot] = (h >> 32) << 32 | (uint64_t)(t->n + 1);
    t->n++;
    return 0;
}

/* Counts add as unsigned numbers: wrapping, never undefined behaviour. */
static inline int64_t add_counts(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }

static inline int table_add_hashed(TableObject *t, const uint8_t *p, size_t n, uint64_t h, int64_t count)
{
    size_t slot;
    Py_ssize_t found = table_find(t, p, n, h, &slot);
    if (found >= 0) {
        t->entries[found].count = add_counts(t->entries[found].count, count);
        return 0;
    }
    return table_insert(t, p, n, h, count, slot);
}

static inline int table_add(TableObject *t, const uint8_t *p, size_t n, int64_t count)
{
    return table_add_hashed(t, p, n, hash_bytes(p, n), count);
}

/* Whether entry a ranks before entry b in top(): count descending, then the bytes ascending. */
static inline int ranks_before(const TableObject *t, const Entry *a, const Entry *b)
{
    if (a->count != b->count)
        return a->count > b->count;
    size_t m = a->len < b->len ? a->len : b->len;
    int c = m ? memcmp(t->arena + a->off, t->arena + b->off, m) : 0;
    return c ? c < 0 : a->len < b->len;
}

static PyObject *Table_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    (void)args;
    (void)kwds;
    TableObject *t = (TableObject *)type->tp_alloc(type, 0);
    if (t && table_alloc(t) < 0) {
        Py_DECREF(t);
        return NULL;
    }
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
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Table", names, &words))
        return -1;
    if (words == Py_None)
        return 0;
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
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|L:add", names, &word, &count))
        return NULL;
    int r = table_add(t, word.buf, (size_t)word.len, count);
    PyBuffer_Release(&word);
    if (r < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Table_get(TableObject *t, PyObject *args)
{
    Py_buffer word;
    PyObject *fallback = NULL;
    if (!PyArg_ParseTuple(args, "y*|O:get", &word, &fallback))
        return NULL;
    size_t slot;
    Py_ssize_t found = table_find(t, word.buf, (size_t)word.len, hash_bytes(word.buf, (size_t)word.len), &slot);
    PyBuffer_Release(&word);
    if (found >= 0)
        return PyLong_FromLongLong(t->entries[found].count);
    if (fallback) {
        Py_INCREF(fallback);
        return fallback;
    }
    return PyLong_FromLong(0);
}

static int Table_contains(TableObject *t, PyObject *key)
{
    Py_buffer word;
    if (PyObject_GetBuffer(key, &word, PyBUF_SIMPLE) < 0) {
        PyErr_Clear();
        return 0;
    }
    size_t slot;
    Py_ssize_t found = table_find(t, word.buf, (size_t)word.len, hash_bytes(word.buf, (size_t)word.len), &slot);
    PyBuffer_Release(&word);
    return found >= 0;
}

/* Add one (key, value) pair of a mapping. */
static int add_pair(TableObject *t, PyObject *key, PyObject *value)
{
    long long count = PyLong_AsLongLong(value);
    if (count == -1 && PyErr_Occurred())
        return -1;
    Py_buffer word;
    if (PyObject_GetBuffer(key, &word, PyBUF_SIMPLE) < 0)
        return -1;
    int r = table_add(t, word.buf, (size_t)word.len, count);
    PyBuffer_Release(&word);
    return r;
}

static PyObject *Table_update(TableObject *t, PyObject *other)
{
    if (PyObject_TypeCheck(other, &TableType)) {
        TableObject *o = (TableObject *)other;
        size_t n = o->n;   /* o may be t: then every word is found and nothing moves */
        if (o != t && table_reserve(t, n > t->n ? n - t->n : 0, 0) < 0)
            return NULL;
        for (size_t k = 0; k < n; k++) {
            const Entry *e = &o->entries[k];
            if (table_add_hashed(t, o->arena + e->off, e->len, e->hash, e->count) < 0)
                return NULL;
        }
        Py_RETURN_NONE;
    }
    if (PyDict_Check(other)) {
        PyObject *key, *value;
        Py_ssize_t pos = 0;
        while (PyDict_Next(other, &pos, &key, &value))
            if (add_pair(t, key, value) < 0)
                return NULL;
        Py_RETURN_NONE;
    }
    if (!PyObject_HasAttrString(other, "items")) {
        PyErr_Format(PyExc_TypeError, "Table.update() takes a Table or a mapping, not %.100s",
                     Py_TYPE(other)->tp_name);
        return NULL;
    }
    PyObject *items = PyObject_CallMethod(other, "items", NULL);
    PyObject *iter = items ? PyObject_GetIter(items) : NULL;
    Py_XDECREF(items);
    if (!iter)
        return NULL;
    PyObject *pair;
    while ((pair = PyIter_Next(iter))) {
        int r = -1;
        if (PyTuple_Check(pair) && PyTuple_GET_SIZE(pair) == 2)
            r = add_pair(t, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1));
        else
            PyErr_SetString(PyExc_TypeError, "items() must give (word, count) pairs");
        Py_DECREF(pair);
        if (r < 0) {
            Py_DECREF(iter);
            return NULL;
        }
    }
    Py_DECREF(iter);
    if (PyErr_Occurred())
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *Table_to_dict(TableObject *t, PyObject *unused)
{
    (void)unused;
    PyObject *d = PyDict_New();
    if (!d)
        return NULL;
    for (size_t k = 0; k < t->n; k++) {
        const Entry *e = &t->entries[k];
        PyObject *word = PyBytes_FromStringAndSize((const char *)t->arena + e->off, e->len);
        PyObject *count = word ? PyLong_FromLongLong(e->count) : NULL;
        int r = count ? PyDict_SetItem(d, word, count) : -1;
        Py_XDECREF(word);
        Py_XDECREF(count);
        if (r < 0) {
            Py_DECREF(d);
            return NULL;
        }
    }
    return d;
}

static PyObject *Table_items(TableObject *t, PyObject *unused)
{
    PyObject *d = Table_to_dict(t, unused);
    if (!d)
        return NULL;
    PyObject *items = PyObject_CallMethod(d, "items", NULL);
    Py_DECREF(d);
    return items;
}

/* top(n) keeps a heap of the n best entries seen so far, the one that ranks last at its root:
 * O(len * log n), no sort of the whole table. */
static void heap_down(const TableObject *t, uint32_t *heap, size_t size, size_t i)
{
    const Entry *e = t->entries;
    for (;;) {
        size_t worst = i, l = 2 * i + 1, r = l + 1;
        if (l < size && ranks_before(t, &e[heap[worst]], &e[heap[l]]))
            worst = l;
        if (r < size && ranks_before(t, &e[heap[worst]], &e[heap[r]]))
            worst = r;
        if (worst == i)
            return;
        uint32_t tmp = heap[i];
        heap[i] = heap[worst];
        heap[worst] = tmp;
        i = worst;
    }
}

static PyObject *Table_top(TableObject *t, PyObject *arg)
{
    Py_ssize_t want = PyLong_AsSsize_t(arg);
    if (want == -1 && PyErr_Occurred())
        return NULL;
    if (want <= 0 || t->n == 0)
        return PyList_New(0);
    size_t k = (size_t)want < t->n ? (size_t)want : t->n, size = 0;
    uint32_t *heap = malloc(k * sizeof *heap);
    if (!heap)
        return PyErr_NoMemory();
    const Entry *e = t->entries;
    for (size_t i = 0; i < t->n; i++) {
        if (e[i].len > MAX_WORD_BYTES)
            continue;
        if (size < k) {   /* sift up */
            size_t c = size++;
            heap[c] = (uint32_t)i;
            while (c > 0 && ranks_before(t, &e[heap[(c - 1) / 2]], &e[heap[c]])) {
                uint32_t tmp = heap[c];
                heap[c] = heap[(c - 1) / 2];
                heap[(c - 1) / 2] = tmp;
                c = (c - 1) / 2;
            }
        } else if (ranks_before(t, &e[i], &e[heap[0]])) {
            heap[0] = (uint32_t)i;
            heap_down(t, heap, size, 0);
        }
    }
    for (size_t m = size; m > 1; m--) {   /* heap sort: the last-ranked go to the end */
        uint32_t tmp = heap[0];
        heap[0] = heap[m - 1];
        heap[m - 1] = tmp;
        heap_down(t, heap, m - 1, 0);
    }
    PyObject *list = PyList_New((Py_ssize_t)size);
    for (size_t i = 0; list && i < size; i++) {
        const Entry *x = &e[heap[i]];
        PyObject *pair = Py_BuildValue("(y#L)", (const char *)t->arena + x->off, (Py_ssize_t)x->len,
                                       (long long)x->count);
        if (!pair)
            Py_CLEAR(list);
        else
            PyList_SET_ITEM(list, (Py_ssize_t)i, pair);
    }
    free(heap);
    return list;
}

static PyObject *Table_total(TableObject *t, PyObject *unused)
{
    (void)unused;
    int64_t sum = 0;
    for (size_t k = 0; k < t->n; k++)
        sum = add_counts(sum, t->entries[k].count);
    return PyLong_FromLongLong(sum);
}

static PyObject *Table_clear(TableObject *t, PyObject *unused)
{
    (void)unused;
    table_free(t);
    if (table_alloc(t) < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* The byte form: "WCT" 1 (format version), u64 number of entries, then per entry
 * u32 length, the word's bytes, i64 count; little-endian, in insertion order. */
static const uint8_t MAGIC[4] = {'W', 'C', 'T', 1};
#define HEADER_BYTES 12
#define ENTRY_BYTES 12   /* besides the word */

static PyObject *Table_dumps(TableObject *t, PyObject *unused)
{
    (void)unused;
    size_t size = HEADER_BYTES + t->n * ENTRY_BYTES + t->used;
    if (size > PY_SSIZE_T_MAX)
        return PyErr_NoMemory();
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)size);
    if (!out)
        return NULL;
    uint8_t *p = (uint8_t *)PyBytes_AS_STRING(out);
    memcpy(p, MAGIC, 4);
    put_le64(p + 4, t->n);
    p += HEADER_BYTES;
    for (size_t k = 0; k < t->n; k++) {
        const Entry *e = &t->entries[k];
        put_le32(p, e->len);
        if (e->len)
            memcpy(p + 4, t->arena + e->off, e->len);
        p += 4 + e->len;
        put_le64(p, (uint64_t)e->count);
        p += 8;
    }
    return out;
}

static PyObject *corrupt(const char *why)
{
    PyErr_Format(PyExc_ValueError, "not a Table's bytes: %s", why);
    return NULL;
}

static PyObject *Table_loads(PyObject *cls, PyObject *data)
{
    (void)cls;
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const uint8_t *p = view.buf;
    size_t len = (size_t)view.len, pos = HEADER_BYTES;
    TableObject *t = NULL;
    if (len < HEADER_BYTES || memcmp(p, MAGIC, 4) != 0) {
        corrupt(len < HEADER_BYTES ? "too short" : "wrong header or version");
        goto fail;
    }
    uint64_t n = get_le64(p + 4);
    if (n > (len - HEADER_BYTES) / ENTRY_BYTES) {   /* checked before anything is allocated */
        corrupt("truncated");
        goto fail;
    }
    t = (TableObject *)Table_new(&TableType, NULL, NULL);
    if (!t || table_reserve(t, (size_t)n, len - HEADER_BYTES - (size_t)n * ENTRY_BYTES) < 0)
        goto fail;
    for (uint64_t k = 0; k < n; k++) {
        if (len - pos < 4) {
            corrupt("truncated");
            goto fail;
        }
        size_t wl = get_le32(p + pos);
        pos += 4;
        if (len - pos < 8 || wl > len - pos - 8) {
            corrupt("truncated");
            goto fail;
        }
        const uint8_t *word = p + pos;
        int64_t count = (int64_t)get_le64(p + pos + wl);
        pos += wl + 8;
        uint64_t h = hash_bytes(word, wl);
        size_t slot;
        if (table_find(t, word, wl, h, &slot) >= 0) {
            corrupt("a word twice");
            goto fail;
        }
        if (table_insert(t, word, wl, h, count, slot) < 0)
            goto fail;
    }
    if (pos != len) {
        corrupt("bytes after the last word");
        goto fail;
    }
    PyBuffer_Release(&view);
    return (PyObject *)t;
fail:
    Py_XDECREF(t);
    PyBuffer_Release(&view);
    return NULL;
}

static PyObject *Table_reduce(TableObject *t, PyObject *unused)
{
    PyObject *loads = PyObject_GetAttrString((PyObject *)&TableType, "loads");
    PyObject *data = loads ? Table_dumps(t, unused) : NULL;
    PyObject *result = data ? Py_BuildValue("(O(O))", loads, data) : NULL;
    Py_XDECREF(loads);
    Py_XDECREF(data);
    return result;
}

static PyObject *Table_sizeof(TableObject *t, PyObject *unused)
{
    (void)unused;
    size_t size = sizeof *t + (t->mask + 1) * sizeof *t->slots + t->cap * sizeof(Entry) + t->room;
    return PyLong_FromSize_t(size);
}

static PyObject *Table_richcompare(PyObject *a, PyObject *b, int op)
{
    if (!PyObject_TypeCheck(b, &TableType) || (op != Py_EQ && op != Py_NE))
        Py_RETURN_NOTIMPLEMENTED;
    TableObject *x = (TableObject *)a, *y = (TableObject *)b;
    int equal = x->n == y->n;
    for (size_t k = 0; equal && k < x->n; k++) {
        const Entry *e = &x->entries[k];
        size_t slot;
        Py_ssize_t found = table_find(y, x->arena + e->off, e->len, e->hash, &slot);
        equal = found >= 0 && y->entries[found].count == e->count;
    }
    if (equal == (op == Py_EQ))
        Py_RETURN_TRUE;
    Py_RETURN_FALSE;
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
     "update(other): add the counts of a Table (merged in C) or of a mapping bytes -> int."},
    {"to_dict", (PyCFunction)Table_to_dict, METH_NOARGS, "to_dict() -> dict[bytes, int]"},
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
    .tp_name = "wordcount._core.Table",
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
        need = 2;
        c = b & 0x1F;
    } else if (b < 0xF0) {
        need = 3;
        c = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0;   /* overlong */
        else if (b == 0xED)
            hi = 0x9F;   /* surrogates */
    } else if (b < 0xF5) {
        need = 4;
        c = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;   /* overlong */
        else if (b == 0xF4)
            hi = 0x8F;   /* above U+10FFFF */
    } else {
        return U_BAD;
    }
    for (size_t k = 1; k < need; k++) {
        if (k >= avail)
            return U_SHORT;
        if (p[k] < lo || p[k] > hi)
            return U_BAD;
        lo = 0x80;
        hi = 0xBF;
        c = c << 6 | (p[k] & 0x3F);
    }
    *len = need;
    *cp = c;
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
    if (p[0] == 0xC2)
        return avail >= 2 && p[1] == 0xA0 ? 2 : 0;
    if (avail < 3)
        return 0;
    switch (p[0]) {
    case 0xE1:
        return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
    case 0xE2:
        if (p[1] == 0x80)
            return p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF ? 3 : 0;
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

typedef struct {
    uint64_t lines, words, chars;
    int in_word;
} Counts;

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
            if (x & HIGH)
                break;
            uint64_t spaces = ascii_spaces(x);
            /* a word starts at a non-space byte after a space (the byte before the first is
             * the previous step's last) */
            uint64_t after_space = spaces << 8 | (in_word ^ 1) << 7;
            words += count_marks(~spaces & HIGH & after_space);
            lines += count_marks(bytes_equal(x, '\n'));
            in_word = (spaces >> 63) ^ 1;
            chars += 8;
        }
        if (i >= n)
            break;
        size_t stop = i + 8 < n ? i + 8 : n;   /* one character at a time over the next 8 bytes */
        while (i < stop) {
            int space;
            if (p[i] < 0x80) {
                space = byte_class[p[i]] == 1;
                lines += p[i] == '\n';
                i++;
            } else {
                size_t len;
                uint32_t cp;
                int r = utf8_decode(p + i, n - i, &len, &cp);
                if (r == U_BAD || (r == U_SHORT && last))
                    return (Py_ssize_t)i;
                if (r == U_SHORT) {
                    *tail = n - i;
                    goto done;
                }
                space = wide_space(cp);
                i += len;
            }
            chars++;
            words += !space & !in_word;
            in_word = !space;
        }
    }
done:
    c->lines = lines;
    c->words = words;
    c->chars = chars;
    c->in_word = (int)in_word;
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
    size_t carry_len;             /* the word in progress (tokens), when it began in an earlier block */
    int in_token, carry_long;     /* carry_long: longer than MAX_WORD_BYTES, never added */
    uint8_t carry[MAX_WORD_BYTES];
} ScannerObject;

static int Scanner_init(ScannerObject *s, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"table", NULL};
    PyObject *table = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:Scanner", names, &table))
        return -1;
    if (table != Py_None && !PyObject_TypeCheck(table, &TableType)) {
        PyErr_Format(PyExc_TypeError, "Scanner() takes a Table or None, not %.100s", Py_TYPE(table)->tp_name);
        return -1;
    }
    if (s->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner is in use");
        return -1;
    }
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
    PyObject *exc = PyObject_CallFunction(NotUtf8, "N", PyUnicode_FromFormat("not UTF-8 at byte %llu", offset));
    PyObject *value = exc ? PyLong_FromUnsignedLongLong(offset) : NULL;
    if (value && PyObject_SetAttrString(exc, "offset", value) == 0)
        PyErr_SetObject(NotUtf8, exc);
    Py_XDECREF(value);
    Py_XDECREF(exc);
}

/* Where the word at p[i] ends: at the first whitespace character, or n. */
static inline size_t word_end(const uint8_t *p, size_t i, size_t n)
{
    for (; i < n; i++) {
        uint8_t k = byte_class[p[i]];
        if (k == 1 || (k == 2 && wide_space_at(p + i, p + n)))
            return i;
    }
    return n;
}

/* Where the whitespace at p[i] ends: at the first character that is not whitespace, or n. */
static inline size_t space_end(const uint8_t *p, size_t i, size_t n)
{
    while (i < n) {
        uint8_t k = byte_class[p[i]];
        size_t w;
        if (k == 1)
            i++;
        else if (k == 2 && (w = wide_space_at(p + i, p + n)))
            i += w;
        else
            return i;
    }
    return n;
}

static inline void carry_append(ScannerObject *s, const uint8_t *p, size_t n)
{
    if (s->carry_long)
        return;
    if (n > MAX_WORD_BYTES - s->carry_len) {
        s->carry_long = 1;   /* a word, but never one of the frequencies: nothing more to keep */
        return;
    }
    if (n)
        memcpy(s->carry + s->carry_len, p, n);
    s->carry_len += n;
}

static int end_token(ScannerObject *s)
{
    int r = 0;
    if (s->in_token && !s->carry_long)
        r = table_add(s->table, s->carry, s->carry_len, 1);
    s->in_token = s->carry_long = 0;
    s->carry_len = 0;
    return r;
}

/* Add the words of p[0:n] (valid UTF-8, whole characters) to the table; a word that runs on
 * past n is carried. */
static int tokens(ScannerObject *s, const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (s->in_token) {
        i = word_end(p, 0, n);
        carry_append(s, p, i);
        if (i == n)
            return 0;
        if (end_token(s) < 0)
            return -1;
    }
    for (;;) {
        i = space_end(p, i, n);
        if (i == n)
            return 0;
        size_t j = word_end(p, i, n);
        if (j == n) {
            s->in_token = 1;
            carry_append(s, p + i, n - i);
            return 0;
        }
        if (j - i <= MAX_WORD_BYTES && table_add(s->table, p + i, j - i, 1) < 0)
            return -1;
        i = j;
    }
}

static PyObject *Scanner_feed(ScannerObject *s, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"data", "last", NULL};
    Py_buffer view;
    int last = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "y*|p:feed", names, &view, &last))
        return NULL;
    if (s->busy) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_RuntimeError, "Scanner.feed() called while another is under way");
        return NULL;
    }
    const uint8_t *p = view.buf;
    size_t n = (size_t)view.len, start = 0, tail = 0;
    Counts c = {s->lines, s->words, s->chars, s->in_word};
    uint8_t head[4];   /* the character the last block cut off, completed */
    size_t head_len = 0;
    PyObject *result = NULL;

    if (s->npending) {
        size_t np = s->npending, take = n < 4 - np ? n : 4 - np;
        uint32_t cp;
        memcpy(head, s->pending, np);
        if (take)
            memcpy(head + np, p, take);
        int r = utf8_decode(head, np + take, &head_len, &cp);
        if (r == U_BAD || (r == U_SHORT && last)) {
            raise_not_utf8(s->fed - np);
            goto out;
        }
        if (r == U_SHORT) {   /* still not whole: all of this block (take == n) joins it */
            if (n)
                memcpy(s->pending + np, p, n);
            s->npending += n;
            s->fed += n;
            result = PyLong_FromLong(0);
            goto out;
        }
        start = head_len - np;
        c.chars++;
        if (wide_space(cp)) {
            c.in_word = 0;
        } else {
            c.words += !c.in_word;
            c.in_word = 1;
        }
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
    if (bad >= 0) {   /* nothing of this block is counted */
        raise_not_utf8(s->fed + start + (size_t)bad);
        goto out;
    }
    if (s->table) {
        if ((head_len && tokens(s, head, head_len) < 0) || tokens(s, p + start, n - start - tail) < 0)
            goto out;   /* MemoryError: the scanner is not to be used any more */
    }
    result = PyLong_FromUnsignedLongLong(c.words - s->words);
    s->lines = c.lines;
    s->words = c.words;
    s->chars = c.chars;
    s->in_word = c.in_word;
    s->fed += n;
    s->npending = tail;
    if (tail)
        memcpy(s->pending, p + n - tail, tail);
out:
    PyBuffer_Release(&view);
    return result;
}

static PyObject *Scanner_finish(ScannerObject *s, PyObject *unused)
{
    (void)unused;
    if (s->busy) {
        PyErr_SetString(PyExc_RuntimeError, "Scanner.finish() called while a feed() is under way");
        return NULL;
    }
    if (s->npending) {   /* the input ended inside a character: no last=True block came */
        raise_not_utf8(s->fed - s->npending);
        return NULL;
    }
    if (s->table && end_token(s) < 0)
        return NULL;
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
    .tp_name = "wordcount._core.Scanner",
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

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "wordcount._core",
    .m_doc = "The compiled counting core of wordcount: Table, Scanner, NotUtf8, MAX_WORD_BYTES.",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__core(void)
{
    for (int b = 0; b < 256; b++)
        byte_class[b] = (b >= 9 && b <= 13) || b == ' ' ? 1 : (b == 0xC2 || (b >= 0xE1 && b <= 0xE3)) ? 2 : 0;
    PyObject *secret = PyBytes_FromString("wordcount._core");   /* hashed with Python's secret */
    if (!secret)
        return NULL;
    Py_hash_t h = PyObject_Hash(secret);
    Py_DECREF(secret);
    if (h == -1 && PyErr_Occurred())
        return NULL;
    hash_seed = fmix64((uint64_t)h ^ 0x2545f4914f6cdd1dULL);

    if (PyType_Ready(&TableType) < 0 || PyType_Ready(&ScannerType) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&core_module);
    if (!m)
        return NULL;
    if (!NotUtf8) {
        NotUtf8 = PyErr_NewExceptionWithDoc(
            "wordcount._core.NotUtf8",
            "A block is not UTF-8; .offset is the first bad byte's, from the first byte ever fed.",
            PyExc_ValueError, NULL);
        if (!NotUtf8)
            goto fail;
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
