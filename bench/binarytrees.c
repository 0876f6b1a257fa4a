// binary-trees, the C twin of binarytrees.dusk: malloc/free per node, the
// same tagged-node shape, the same worklist deep free.
#include <stdio.h>
#include <stdlib.h>

typedef struct Tree { long tag; struct Tree *left, *right; } Tree;

static Tree *make(long depth) {
    Tree *t = malloc(sizeof *t);
    if (depth == 0) { t->tag = 0; t->left = t->right = NULL; return t; }
    t->tag = 1;
    t->left = make(depth - 1);
    t->right = make(depth - 1);
    return t;
}

static long check(Tree *t) {
    if (t->tag == 0) return 1;
    return 1 + check(t->left) + check(t->right);
}

typedef struct { Tree **data; long len, cap; } Vec;

static void push(Vec *v, Tree *t) {
    if (v->len == v->cap) { v->cap = v->cap ? v->cap * 2 : 8; v->data = realloc(v->data, v->cap * sizeof *v->data); }
    v->data[v->len++] = t;
}

static void release(Vec *work, Tree *root) {
    push(work, root);
    while (work->len > 0) {
        Tree *t = work->data[--work->len];
        if (t->tag == 1) { push(work, t->left); push(work, t->right); }
        free(t);
    }
}

int main(void) {
    long max_depth = 16;
    Vec work = {0};
    Tree *stretch = make(max_depth + 1);
    printf("stretch tree of depth %ld\t check: %ld\n", max_depth + 1, check(stretch));
    release(&work, stretch);
    Tree *long_lived = make(max_depth);
    for (long d = 4; d <= max_depth; d += 2) {
        long iters = 1L << (max_depth - d + 4), sum = 0;
        for (long i = 0; i < iters; i++) { Tree *t = make(d); sum += check(t); release(&work, t); }
        printf("%ld\t trees of depth %ld\t check: %ld\n", iters, d, sum);
    }
    printf("long lived tree of depth %ld\t check: %ld\n", max_depth, check(long_lived));
    release(&work, long_lived);
    free(work.data);
    return 0;
}
