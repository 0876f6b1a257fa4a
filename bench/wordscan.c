/* The text scanner, the same algorithm as wordscan.dusk. */
#include <stdio.h>
#include <stdint.h>

static uint64_t rot13_hash(const char *text) {
    uint64_t h = 14695981039346656037ull;
    int64_t i = 0;
    while (text[i] != 0) {
        unsigned char c = (unsigned char)text[i];
        if (c >= 'a' && c <= 'z')
            c = 'a' + (c - 'a' + 13) % 26;
        else if (c >= 'A' && c <= 'Z')
            c = 'A' + (c - 'A' + 13) % 26;
        h = (h ^ (uint64_t)c) * 1099511628211ull;
        i += 1;
    }
    return h;
}

static const char *text =
    "At dusk the lighthouse keeper counted 47 gulls, 12 boats and 3 clouds shaped like teapots.\n"
    "He wrote the numbers in a ledger, as he had every evening for 2190 evenings, and underlined\n"
    "the largest one twice. The ledger was blue; its spine was cracked; its pages smelled of\n"
    "salt, lamp oil and pencil shavings. Nobody had ever asked to read it. On Tuesdays the supply\n"
    "boat came at 0900 with flour, kerosene, 6 oranges and a newspaper that was always 4 days\n"
    "old. The keeper read the weather first, then the tides, then the chess problem (white to\n"
    "move, mate in 3), and he never once read the front page. Storms arrived from the north-west,\n"
    "usually after midnight: the glass rattled, the stairs hummed, and the great lens turned and\n"
    "turned, 1 revolution every 20 seconds, throwing its beam 18 miles over the black water. In\n"
    "the morning the rocks were new again, washed clean, and the gulls came back to be counted.\n"
    "Some days he counted 51, some days 38; once, in a fog so thick he could not see his own\n"
    "boots, he counted 0 and wrote a question mark beside it. WHEN THE KEEPER RETIRED, HIS\n"
    "SUCCESSOR FOUND 77 LEDGERS ON THE SHELF, ALL BLUE, ALL FULL.";

int main(void) {
    int64_t passes = 40000;
    int64_t buckets[64] = {0}, letters[26] = {0};
    int64_t words = 0, numbers = 0, number_sum = 0, punct = 0;
    uint64_t rot = 0;
    for (int64_t p = 0; p < passes; p++) {
        int in_word = 0, in_number = 0;
        uint64_t h = 0;
        int64_t value = 0;
        for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
            unsigned char c = *s;
            unsigned char lc = c;
            if (c >= 'A' && c <= 'Z')
                lc = c + 32;
            if (lc >= 'a' && lc <= 'z') {
                if (!in_word) {
                    in_word = 1;
                    h = 14695981039346656037ull;
                }
                h = (h ^ (uint64_t)lc) * 1099511628211ull;
                letters[(int64_t)lc - 97] += 1;
            } else if (in_word) {
                buckets[(int64_t)(h & 63)] += 1;
                words += 1;
                in_word = 0;
            }
            if (c >= '0' && c <= '9') {
                if (!in_number) {
                    in_number = 1;
                    value = 0;
                }
                value = value * 10 + ((int64_t)c - 48);
            } else if (in_number) {
                number_sum += value;
                numbers += 1;
                in_number = 0;
            }
            if (c != ' ' && c != '\n' && !(lc >= 'a' && lc <= 'z') && !(c >= '0' && c <= '9'))
                punct += 1;
        }
        if (in_word) {
            buckets[(int64_t)(h & 63)] += 1;
            words += 1;
        }
        if (in_number) {
            number_sum += value;
            numbers += 1;
        }
        rot = (rot ^ rot13_hash(text)) * 1099511628211ull + (uint64_t)p;
    }
    int64_t bucket_sum = 0;
    for (int64_t i = 0; i < 64; i++)
        bucket_sum += (i + 1) * buckets[i];
    printf("words %lld numbers %lld sum %lld punctuation %lld\n", (long long)words, (long long)numbers,
           (long long)number_sum, (long long)punct);
    printf("e %lld t %lld y %lld buckets %lld rot13 %llu\n", (long long)letters[4], (long long)letters[19],
           (long long)letters[24], (long long)bucket_sum, (unsigned long long)rot);
    return 0;
}
