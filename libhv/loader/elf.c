/* SPDX-License-Identifier: MIT */
/* libhv loader — ELF64 RISC-V executables: header and segment validation, .symtab lookup,
 * and copying PT_LOAD segments into guest memory. The whole file (headers, segments, symbol
 * table) is validated before the first byte is copied, so a rejected image leaves guest
 * memory untouched. */
#include <elf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "core/err.h"
#include "loader/loader.h"
#include "loader/loader_int.h"

/* Structures are memcpy'd out of the image: the buffer need not be aligned, and ELFDATA2LSB
 * fields are already in host byte order on the little-endian hosts libhv supports. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ELF loader needs a little-endian host");
_Static_assert(sizeof(size_t) >= sizeof(uint64_t), "the ELF loader assumes a 64-bit host");

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

int hv__elf_is_elf(const void *image, size_t len)
{
    return image && len >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0;
}

/* Copy the ELF header out and check what both loading and symbol lookup rely on: size,
 * magic, 64-bit class, little-endian data, current version. */
static int read_ehdr(const uint8_t *p, size_t len, Elf64_Ehdr *eh, char *err, size_t errlen)
{
    if (len < sizeof(*eh)) {
        if (!hv__elf_is_elf(p, len))
            return hv__errf(err, errlen, HV_EFORMAT, "ELF: file is %zu bytes, too short for an "
                            "ELF header and not an ELF file", len);
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: file is %zu bytes, shorter than the "
                        "%zu-byte ELF header (truncated?)", len, sizeof(*eh));
    }
    memcpy(eh, p, sizeof(*eh));
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: bad magic (not an ELF file)");
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: class %u is not ELFCLASS64 (a 32-bit "
                        "image? only RV64 is supported)", eh->e_ident[EI_CLASS]);
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: data encoding %u is not little-endian "
                        "(ELFDATA2LSB)", eh->e_ident[EI_DATA]);
    if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: version %u/%u is not EV_CURRENT",
                        eh->e_ident[EI_VERSION], eh->e_version);
    return 0;
}

/* Checks specific to loading: a static RISC-V executable with a sane program header table. */
static int check_exec(const Elf64_Ehdr *eh, size_t len, char *err, size_t errlen)
{
    if (eh->e_machine != EM_RISCV)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: machine %u is not RISC-V (EM_RISCV = %u)",
                        eh->e_machine, EM_RISCV);
    if (eh->e_type == ET_DYN)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: position-independent image (ET_DYN) is "
                        "not supported; link the guest as a static executable (ET_EXEC)");
    if (eh->e_type != ET_EXEC)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: type %u is not an executable (ET_EXEC)",
                        eh->e_type);
    if (eh->e_phnum == 0)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: no program headers (nothing to load)");
    if (eh->e_phnum == PN_XNUM)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: extended program header numbering "
                        "(e_phnum = 0xffff) is not supported");
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: program header entry size %u, expected %zu",
                        eh->e_phentsize, sizeof(Elf64_Phdr));
    /* e_phnum < 0xffff and the entry size is fixed, so the product cannot overflow. */
    if (!hv__loader_in_buf(len, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: program headers [0x%" PRIx64 "+%u*%zu) "
                        "beyond end of the %zu-byte file (truncated?)", eh->e_phoff, eh->e_phnum,
                        sizeof(Elf64_Phdr), len);
    return 0;
}

static void read_phdr(const uint8_t *p, const Elf64_Ehdr *eh, unsigned i, Elf64_Phdr *ph)
{
    memcpy(ph, p + eh->e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

/* One PT_LOAD: its file bytes must be in the file and its memory image in guest RAM/ROM.
 * A segment may span adjacent RAM/ROM regions; any MMIO or unmapped byte rejects it. */
static int check_segment(struct hv_mem *mem, const Elf64_Phdr *ph, unsigned i, size_t len,
                         char *err, size_t errlen)
{
    if (ph->p_filesz > ph->p_memsz)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: segment %u has p_filesz 0x%" PRIx64
                        " larger than p_memsz 0x%" PRIx64, i, ph->p_filesz, ph->p_memsz);
    if (ph->p_filesz && !hv__loader_in_buf(len, ph->p_offset, ph->p_filesz))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: segment %u file data [0x%" PRIx64
                        "+0x%" PRIx64 ") beyond end of the %zu-byte file (truncated?)",
                        i, ph->p_offset, ph->p_filesz, len);
    if (ph->p_memsz == 0)
        return 0;
    if (ph->p_memsz > UINT64_MAX - ph->p_paddr)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: segment %u [0x%" PRIx64 "+0x%" PRIx64
                        ") wraps around the 64-bit address space", i, ph->p_paddr, ph->p_memsz);
    uint64_t bad;
    bool is_mmio;
    if (!hv__loader_range_ok(mem, ph->p_paddr, ph->p_memsz, &bad, &is_mmio))
        return hv__errf(err, errlen, HV_ERANGE, "ELF: segment %u [0x%" PRIx64 "+0x%" PRIx64
                        ") is outside guest RAM/ROM (0x%" PRIx64 " is %s)", i, ph->p_paddr,
                        ph->p_memsz, bad, is_mmio ? "MMIO" : "not mapped");
    return 0;
}

/* First pass over the program headers: validate every PT_LOAD and compute the span of the
 * non-empty ones. At least one must have contents. */
static int check_segments(struct hv_mem *mem, const uint8_t *p, size_t len, const Elf64_Ehdr *eh,
                          uint64_t *lowest, uint64_t *highest, char *err, size_t errlen)
{
    unsigned loads = 0, nonempty = 0;
    *lowest = UINT64_MAX;
    *highest = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(p, eh, i, &ph);
        if (ph.p_type != PT_LOAD)
            continue;
        loads++;
        int rc = check_segment(mem, &ph, i, len, err, errlen);
        if (rc < 0)
            return rc;
        if (ph.p_memsz == 0)
            continue;
        nonempty++;
        if (ph.p_paddr < *lowest)
            *lowest = ph.p_paddr;
        if (ph.p_paddr + ph.p_memsz > *highest)
            *highest = ph.p_paddr + ph.p_memsz;
    }
    if (loads == 0)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: no PT_LOAD segments (nothing to load)");
    if (nonempty == 0)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: all %u PT_LOAD segments are empty "
                        "(nothing to load)", loads);
    return 0;
}

/* Symbols and e_entry are virtual addresses; segments are loaded at p_paddr. Map an address
 * through the PT_LOAD containing it (identity for bare-metal guests, where they are equal). */
static uint64_t vaddr_to_paddr(const uint8_t *p, const Elf64_Ehdr *eh, uint64_t va)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(p, eh, i, &ph);
        if (ph.p_type == PT_LOAD && va - ph.p_vaddr < ph.p_memsz)
            return va - ph.p_vaddr + ph.p_paddr;
    }
    return va;
}

/* Look up an optional symbol for hv__elf_load: absent is 0, a malformed table fails. */
static int optional_symbol(const uint8_t *p, size_t len, const Elf64_Ehdr *eh, const char *name,
                           uint64_t *out, char *err, size_t errlen)
{
    char why[HV__ERRLEN];
    uint64_t value;
    int rc = hv__elf_symbol(p, len, name, &value, why, sizeof(why));
    *out = 0;
    if (rc == HV_ENOENT)
        return 0;
    if (rc < 0)
        return hv__errf(err, errlen, rc, "%s", why);
    *out = vaddr_to_paddr(p, eh, value);
    return 0;
}

/* Zero [gpa, gpa+len) region by region (the range was validated as RAM/ROM). */
static void zero_guest(struct hv_mem *mem, uint64_t gpa, uint64_t len)
{
    while (len) {
        struct hv_region *r = hv__mem_find(mem, gpa);
        uint64_t room = r->size - (gpa - r->gpa);
        uint64_t n = len < room ? len : room;
        memset(r->host + (gpa - r->gpa), 0, n);
        hv__mem_mark_dirty(mem, gpa, n);
        gpa += n;
        len -= n;
    }
}

/* Second pass: everything was validated, so failures here mean a libhv bug. */
static int copy_segments(struct hv_mem *mem, const uint8_t *p, const Elf64_Ehdr *eh,
                         char *err, size_t errlen)
{
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        Elf64_Phdr ph;
        read_phdr(p, eh, i, &ph);
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (ph.p_filesz && hv__mem_write(mem, ph.p_paddr, p + ph.p_offset, ph.p_filesz) < 0)
            return hv__errf(err, errlen, HV_EINTERNAL, "ELF: segment %u could not be written "
                            "to guest memory at 0x%" PRIx64 " after validation", i, ph.p_paddr);
        zero_guest(mem, ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz);
    }
    return 0;
}

/* Load address = p_paddr (for our bare-metal guests p_paddr == p_vaddr); e_entry, tohost and
 * fromhost are translated from virtual to physical through the segment containing them. */
int hv__elf_load(struct hv_mem *mem, const void *image, size_t len, struct hv_elf_info *info,
                 char *err, size_t errlen)
{
    if (!mem || !image)
        return hv__errf(err, errlen, HV_EINVAL, "ELF: no guest memory or no image");
    const uint8_t *p = image;
    Elf64_Ehdr eh;
    int rc = read_ehdr(p, len, &eh, err, errlen);
    if (rc < 0)
        return rc;
    if ((rc = check_exec(&eh, len, err, errlen)) < 0)
        return rc;

    uint64_t lowest, highest;
    if ((rc = check_segments(mem, p, len, &eh, &lowest, &highest, err, errlen)) < 0)
        return rc;

    struct hv_elf_info out = { .entry = vaddr_to_paddr(p, &eh, eh.e_entry),
                               .lowest = lowest, .highest = highest };
    if ((rc = optional_symbol(p, len, &eh, "tohost", &out.tohost, err, errlen)) < 0 ||
        (rc = optional_symbol(p, len, &eh, "fromhost", &out.fromhost, err, errlen)) < 0)
        return rc;

    if ((rc = copy_segments(mem, p, &eh, err, errlen)) < 0)
        return rc;
    if (info)
        *info = out;
    return 0;
}

/* ---- symbol lookup ------------------------------------------------------------------ */

static void read_shdr(const uint8_t *p, const Elf64_Ehdr *eh, unsigned i, Elf64_Shdr *sh)
{
    memcpy(sh, p + eh->e_shoff + (uint64_t)i * sizeof(*sh), sizeof(*sh));
}

/* Locate .symtab and its string table, validating both. Returns 0, HV_ENOENT (no section
 * headers or no .symtab: a stripped image) or HV_EFORMAT. */
static int find_symtab(const uint8_t *p, size_t len, const Elf64_Ehdr *eh, Elf64_Shdr *sym,
                       Elf64_Shdr *str, char *err, size_t errlen)
{
    if (eh->e_shoff == 0)
        return hv__errf(err, errlen, HV_ENOENT, "ELF: no section headers (stripped?)");
    if (eh->e_shnum == 0)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: extended section numbering "
                        "(e_shnum = 0 with e_shoff set) is not supported");
    if (eh->e_shentsize != sizeof(Elf64_Shdr))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: section header entry size %u, expected %zu",
                        eh->e_shentsize, sizeof(Elf64_Shdr));
    if (!hv__loader_in_buf(len, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: section headers [0x%" PRIx64 "+%u*%zu) "
                        "beyond end of the %zu-byte file (truncated?)", eh->e_shoff, eh->e_shnum,
                        sizeof(Elf64_Shdr), len);
    unsigned i;
    for (i = 0; i < eh->e_shnum; i++) {
        read_shdr(p, eh, i, sym);
        if (sym->sh_type == SHT_SYMTAB)
            break;
    }
    if (i == eh->e_shnum)
        return hv__errf(err, errlen, HV_ENOENT, "ELF: no .symtab section (stripped?)");
    if (sym->sh_entsize != sizeof(Elf64_Sym))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: .symtab (section %u) entry size %" PRIu64
                        ", expected %zu", i, sym->sh_entsize, sizeof(Elf64_Sym));
    if (sym->sh_size % sizeof(Elf64_Sym) != 0)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: .symtab (section %u) size 0x%" PRIx64
                        " is not a multiple of %zu", i, sym->sh_size, sizeof(Elf64_Sym));
    if (!hv__loader_in_buf(len, sym->sh_offset, sym->sh_size))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: .symtab (section %u) [0x%" PRIx64 "+0x%"
                        PRIx64 ") beyond end of the %zu-byte file (truncated?)", i,
                        sym->sh_offset, sym->sh_size, len);
    if (sym->sh_link == SHN_UNDEF || sym->sh_link >= eh->e_shnum)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: .symtab (section %u) links to string "
                        "table section %u, outside 1..%u", i, sym->sh_link, eh->e_shnum - 1u);
    read_shdr(p, eh, sym->sh_link, str);
    if (str->sh_type != SHT_STRTAB)
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: .symtab's string table (section %u) has "
                        "type %u, not SHT_STRTAB", sym->sh_link, str->sh_type);
    if (!hv__loader_in_buf(len, str->sh_offset, str->sh_size))
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: string table (section %u) [0x%" PRIx64
                        "+0x%" PRIx64 ") beyond end of the %zu-byte file (truncated?)",
                        sym->sh_link, str->sh_offset, str->sh_size, len);
    /* A final NUL guarantees every name that starts inside the table also ends inside it. */
    if (str->sh_size == 0 || p[str->sh_offset + str->sh_size - 1] != '\0')
        return hv__errf(err, errlen, HV_EFORMAT, "ELF: string table (section %u) is empty or "
                        "not NUL-terminated", sym->sh_link);
    return 0;
}

/* The ELF header and .symtab/.strtab of an image, validated (read_ehdr, find_symtab). */
static int open_symtab(const uint8_t *p, size_t len, Elf64_Shdr *sym, Elf64_Shdr *str,
                       char *err, size_t errlen)
{
    Elf64_Ehdr eh;
    int rc = read_ehdr(p, len, &eh, err, errlen);
    return rc < 0 ? rc : find_symtab(p, len, &eh, sym, str, err, errlen);
}

int hv__elf_symbol(const void *image, size_t len, const char *name, uint64_t *value,
                   char *err, size_t errlen)
{
    if (!image || !name || !value)
        return hv__errf(err, errlen, HV_EINVAL, "ELF: symbol lookup without image, name or "
                        "result");
    const uint8_t *p = image;
    Elf64_Shdr symtab, strtab;
    int rc = open_symtab(p, len, &symtab, &strtab, err, errlen);
    if (rc < 0) {
        if (rc == HV_ENOENT)
            hv__errf(err, errlen, rc, "ELF: symbol '%s' not found: no symbol table (stripped?)",
                     name);
        return rc;
    }

    /* Every entry is validated, not just those before a match, so a corrupt table is
     * reported the same way whichever symbol is asked for. */
    const char *names = (const char *)p + strtab.sh_offset;
    uint64_t count = symtab.sh_size / sizeof(Elf64_Sym);
    bool found = false;
    uint64_t found_value = 0;
    for (uint64_t i = 1; i < count; i++) {   /* entry 0 is the reserved null symbol */
        Elf64_Sym s;
        memcpy(&s, p + symtab.sh_offset + i * sizeof(s), sizeof(s));
        if (s.st_name >= strtab.sh_size)
            return hv__errf(err, errlen, HV_EFORMAT, "ELF: .symtab entry %" PRIu64 " has name "
                            "offset 0x%x beyond its string table (0x%" PRIx64 " bytes)", i,
                            s.st_name, strtab.sh_size);
        if (!found && s.st_shndx != SHN_UNDEF && strcmp(names + s.st_name, name) == 0) {
            found_value = s.st_value;
            found = true;
        }
    }
    if (!found)
        return hv__errf(err, errlen, HV_ENOENT, "ELF: symbol '%s' not found", name);
    *value = found_value;
    return 0;
}

/* ---- a VM's copy of the kernel's symbol table (hv_vm_symbol) ------------------------ */

struct hv_elf_syms {
    uint64_t count;              /* entries of sym[] */
    Elf64_Sym *sym;              /* defined symbols only, names validated */
    char *names;                 /* the string table, NUL-terminated */
};

int hv__elf_syms_copy(const void *image, size_t len, struct hv_elf_syms **out,
                      char *err, size_t errlen)
{
    const uint8_t *p = image;
    Elf64_Shdr symtab, strtab;
    *out = NULL;
    int rc = open_symtab(p, len, &symtab, &strtab, err, errlen);
    if (rc < 0)
        return rc;
    struct hv_elf_syms *s = calloc(1, sizeof(*s));
    uint64_t count = symtab.sh_size / sizeof(Elf64_Sym);
    if (s) {
        s->sym = malloc((count ? count : 1) * sizeof(Elf64_Sym));
        s->names = malloc(strtab.sh_size);
    }
    if (!s || !s->sym || !s->names) {
        hv__elf_syms_free(s);
        return hv__errf(err, errlen, HV_ENOMEM, "ELF: no memory for the symbol table");
    }
    memcpy(s->names, p + strtab.sh_offset, strtab.sh_size);
    for (uint64_t i = 1; i < count; i++) {   /* entry 0 is the reserved null symbol */
        Elf64_Sym e;
        memcpy(&e, p + symtab.sh_offset + i * sizeof(e), sizeof(e));
        unsigned type = ELF64_ST_TYPE(e.st_info);
        if (e.st_name == 0 || e.st_name >= strtab.sh_size || e.st_shndx == SHN_UNDEF ||
            type == STT_SECTION || type == STT_FILE)
            continue;
        s->sym[s->count++] = e;
    }
    *out = s;
    return 0;
}

int hv__elf_syms_find(const struct hv_elf_syms *s, const char *name, uint64_t *value,
                      uint64_t *size)
{
    /* A global definition wins over a local one of the same name (static functions in
     * several files may share a name; the global is the one the program links against). */
    const Elf64_Sym *hit = NULL;
    for (uint64_t i = 0; s && i < s->count; i++) {
        const Elf64_Sym *e = &s->sym[i];
        if (strcmp(s->names + e->st_name, name) != 0)
            continue;
        if (!hit || (ELF64_ST_BIND(hit->st_info) == STB_LOCAL &&
                     ELF64_ST_BIND(e->st_info) != STB_LOCAL))
            hit = e;
    }
    if (!hit)
        return HV_ENOENT;
    *value = hit->st_value;
    *size = hit->st_size;
    return 0;
}

void hv__elf_syms_free(struct hv_elf_syms *s)
{
    if (!s)
        return;
    free(s->sym);
    free(s->names);
    free(s);
}
