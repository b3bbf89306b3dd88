"""Building blocks of the shipped forms: rows in two languages, shared questions, choices."""

from __future__ import annotations

from dataclasses import dataclass, field

Row = dict[str, str]
EN, ID = "English (en)", "Bahasa Indonesia (id)"


@dataclass(frozen=True)
class FormSpec:
    file: str
    form_id: str
    version: str
    title: str
    rows: list[Row]
    extra_settings: dict[str, str] = field(default_factory=dict)


def q(type_: str, name: str, en: str, id_: str, hxl: str = "", hint: tuple[str, str] = ("", ""),
      **extra: str) -> Row:
    """One survey row; `extra` holds required/relevant/constraint/appearance."""
    row = {"type": type_, "name": name, f"label::{EN}": en, f"label::{ID}": id_, "hxl": hxl,
           f"hint::{EN}": hint[0], f"hint::{ID}": hint[1]}
    row.update(extra)
    return row


def count(name: str, en: str, id_: str, hxl: str, at_least: str = "",
          required: bool = False, hint: tuple[str, str] = ("", "")) -> Row:
    """A non-negative whole number; `at_least` names a field it may not be below (individuals
    are at least as many as households)."""
    constraint = ". >= 0"
    message = ("Must be 0 or more.", "Harus 0 atau lebih.")
    if at_least:
        constraint += f" and . >= coalesce(${{{at_least}}}, 0)"
        message = ("Must be 0 or more, and not fewer than the number of households.",
                   "Harus 0 atau lebih, dan tidak kurang dari jumlah kepala keluarga.")
    return q("integer", name, en, id_, hxl, hint, constraint=constraint,
             **{f"constraint_message::{EN}": message[0], f"constraint_message::{ID}": message[1]},
             required="yes" if required else "")


def pcode(name: str, level: int, en: str, id_: str, hxl: str, required: bool = False) -> Row:
    return q("text", name, en, id_, hxl,
             (f"Admin level {level} P-code, e.g. ID72 (province) or ID7271 (regency/city).",
              f"P-code wilayah administrasi tingkat {level}, mis. ID72 (provinsi) atau ID7271 "
              "(kabupaten/kota)."),
             required="yes" if required else "",
             constraint="string-length(.) <= 20 and not(contains(., ' '))",
             **{f"constraint_message::{EN}": "A P-code has no spaces (max. 20 characters).",
                f"constraint_message::{ID}": "P-code tanpa spasi (maks. 20 karakter)."})


def begin(kind: str, name: str, en: str, id_: str, **extra: str) -> Row:
    return q(f"begin_{kind}", name, en, id_, **extra)


def end(kind: str) -> Row:
    return {"type": f"end_{kind}", "name": ""}


def metadata() -> list[Row]:
    return [{"type": "start", "name": "start"}, {"type": "end", "name": "end"},
            {"type": "today", "name": "today"}]


def assessment_date() -> Row:
    return q("date", "assessment_date", "Date of the assessment", "Tanggal asesmen",
             "#date+assessment", required="yes", constraint=". <= today()",
             **{f"constraint_message::{EN}": "The date cannot be in the future.",
                f"constraint_message::{ID}": "Tanggal tidak boleh di masa depan."})


def admin_area(levels: int, prefix: str = "", hxl_suffix: str = "",
               required_levels: int = 2, of: tuple[str, str] = ("", "")) -> list[Row]:
    """P-code questions for levels 1..`levels`; `of` qualifies the labels ("of origin")."""
    names = [("Province", "Provinsi"), ("Regency / city", "Kabupaten / kota"),
             ("Sub-district", "Kecamatan"), ("Village", "Desa / kelurahan")]
    return [pcode(f"{prefix}adm{i}_pcode", i, f"{names[i - 1][0]} P-code{of[0]}",
                  f"P-code {names[i - 1][1].lower()}{of[1]}", f"#adm{i}+code{hxl_suffix}",
                  required=i <= required_levels)
            for i in range(1, levels + 1)]


CHOICES: dict[str, list[tuple[str, str, str]]] = {
    "yes_no": [("yes", "Yes", "Ya"), ("no", "No", "Tidak")],
    "reasons": [
        ("earthquake", "Earthquake", "Gempa bumi"), ("tsunami", "Tsunami", "Tsunami"),
        ("liquefaction", "Liquefaction", "Likuefaksi"), ("flood", "Flood", "Banjir"),
        ("landslide", "Landslide", "Tanah longsor"),
        ("volcano", "Volcanic eruption", "Letusan gunung berapi"),
        ("fire", "Fire", "Kebakaran"), ("conflict", "Conflict", "Konflik"),
        ("other", "Other", "Lainnya")],
    "shelter_types": [
        ("tent", "Tent", "Tenda"), ("makeshift", "Makeshift shelter", "Hunian darurat"),
        ("collective_building", "Public or collective building", "Bangunan umum / kolektif"),
        ("host_family", "With a host family", "Menumpang di keluarga / kerabat"),
        ("rented", "Rented house", "Rumah sewa"),
        ("damaged_house", "Own damaged house", "Rumah sendiri yang rusak"),
        ("open_air", "No shelter (open air)", "Tanpa tempat berlindung"),
        ("other", "Other", "Lainnya")],
    "site_types": [
        ("camp", "Camp", "Kamp / tenda pengungsian"),
        ("collective_centre", "Collective centre", "Pusat penampungan kolektif"),
        ("informal_settlement", "Informal settlement", "Permukiman informal"),
        ("host_community", "Host community", "Komunitas tuan rumah"),
        ("transit_centre", "Transit centre", "Pusat transit"), ("other", "Other", "Lainnya")],
    "sectors": [
        ("shelter", "Shelter", "Tempat tinggal"), ("nfi", "Non-food items", "Barang non-pangan"),
        ("wash", "Water, sanitation and hygiene", "Air, sanitasi dan kebersihan"),
        ("food", "Food", "Pangan"), ("health", "Health", "Kesehatan"),
        ("protection", "Protection", "Perlindungan"), ("education", "Education", "Pendidikan"),
        ("livelihoods", "Livelihoods", "Mata pencaharian")],
    "informant_roles": [
        ("village_head", "Village head", "Kepala desa / lurah"),
        ("site_manager", "Site manager", "Pengelola lokasi"),
        ("community_leader", "Community leader", "Tokoh masyarakat"),
        ("religious_leader", "Religious leader", "Tokoh agama"),
        ("health_worker", "Health worker", "Tenaga kesehatan"),
        ("other", "Other", "Lainnya")],
    "management": [
        ("government", "Government", "Pemerintah"),
        ("ngo", "NGO or UN agency", "LSM atau badan PBB"),
        ("community", "Community", "Masyarakat"), ("none", "No management", "Tidak dikelola")],
}
