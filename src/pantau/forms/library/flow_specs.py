"""The shipped FMR form (flow monitoring registry): one record per group of people counted
at a flow monitoring point on a day, moving one way, of one nationality.

Field names are what `pantau flow import` reads (`pantau.flow.fmr.COLUMNS`); every field also
carries its HXL tag, so a sheet with an HXL row is read by tag. Countries are a list of ISO3
codes (the Kobo export holds the code; the label is the English name). No names, phone or
document numbers are asked: an FMR counts groups, never individuals.
"""

from __future__ import annotations

import csv
from pathlib import Path

from pantau.forms.library.parts import EN, ID, FormSpec, begin, end, metadata, q

_COUNTRIES = Path(__file__).resolve().parents[2] / "gazetteer" / "countries.csv"


def _country_choices() -> list[tuple[str, str, str]]:
    with _COUNTRIES.open(encoding="utf-8") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: r["name"])
    return [(r["iso3"], r["name"], r["name"]) for r in rows] + [
        ("XXX", "Stateless or unknown", "Tanpa kewarganegaraan atau tidak diketahui")]


FLOW_CHOICES: dict[str, list[tuple[str, str, str]]] = {
    "directions": [("incoming", "Incoming", "Masuk"), ("outgoing", "Outgoing", "Keluar"),
                   ("transit", "Transit", "Transit")],
    "countries": _country_choices(),
    "transport": [("boat", "Boat", "Perahu / kapal"), ("bus", "Bus", "Bus"),
                  ("car", "Car", "Mobil"), ("truck", "Truck", "Truk"),
                  ("train", "Train", "Kereta api"), ("plane", "Plane", "Pesawat"),
                  ("on_foot", "On foot", "Berjalan kaki"), ("other", "Other", "Lainnya")],
    "movement_reasons": [
        ("economic", "Economic reasons", "Alasan ekonomi"), ("conflict", "Conflict", "Konflik"),
        ("persecution", "Persecution", "Persekusi"), ("family", "Family reunion",
                                                     "Berkumpul dengan keluarga"),
        ("education", "Education", "Pendidikan"),
        ("natural_disaster", "Natural disaster", "Bencana alam"), ("other", "Other", "Lainnya")],
}


def _count(name: str, en: str, id_: str, hxl: str) -> dict[str, str]:
    return q("integer", name, en, id_, hxl, required="yes", constraint=". >= 0",
             **{f"constraint_message::{EN}": "Must be 0 or more.",
                f"constraint_message::{ID}": "Harus 0 atau lebih."})


_SUM = "${men} + ${women} + ${boys} + ${girls} = ."
_FMR_ROWS = [
    *metadata(),
    begin("group", "point", "Flow monitoring point", "Titik pemantauan arus"),
    q("text", "fmp_id", "FMP ID (from the master list)", "ID titik pemantauan (dari daftar induk)",
      "#loc+code", required="yes"),
    q("date", "count_date", "Date of the count", "Tanggal penghitungan", "#date+reported",
      required="yes", constraint=". <= today()"),
    q("select_one directions", "direction", "Direction of the group", "Arah kelompok",
      "#meta+direction", required="yes"),
    end("group"),
    begin("group", "people", "People in the group", "Orang dalam kelompok"),
    q("select_one countries", "nationality", "Nationality", "Kewarganegaraan",
      "#country+code+nationality", required="yes", appearance="minimal"),
    _count("men", "Men (18 and over)", "Laki-laki dewasa (18 tahun ke atas)",
           "#affected+ind+m+adults"),
    _count("women", "Women (18 and over)", "Perempuan dewasa (18 tahun ke atas)",
           "#affected+ind+f+adults"),
    _count("boys", "Boys (under 18)", "Anak laki-laki (di bawah 18 tahun)",
           "#affected+ind+m+children"),
    _count("girls", "Girls (under 18)", "Anak perempuan (di bawah 18 tahun)",
           "#affected+ind+f+children"),
    q("integer", "unaccompanied_children", "Of the children: unaccompanied",
      "Dari anak-anak: tanpa pendamping", "#affected+ind+children+unaccompanied",
      required="yes", constraint=". >= 0 and . <= ${boys} + ${girls}",
      **{f"constraint_message::{EN}": "Not more than the boys and girls together.",
         f"constraint_message::{ID}": "Tidak lebih dari jumlah anak laki-laki dan perempuan."}),
    q("integer", "total", "Total individuals in the group", "Jumlah individu dalam kelompok",
      "#affected+ind", required="yes", constraint=f". > 0 and {_SUM}",
      **{f"constraint_message::{EN}": "Must equal men + women + boys + girls (at least 1).",
         f"constraint_message::{ID}": "Harus sama dengan laki-laki + perempuan + anak laki-laki "
                                      "+ anak perempuan (minimal 1)."}),
    end("group"),
    begin("group", "movement", "Movement", "Perjalanan"),
    q("select_one transport", "transport_mode", "Mode of transport", "Moda transportasi",
      "#transport+type", required="yes"),
    q("select_one countries", "previous_country", "Country of departure (previous country)",
      "Negara keberangkatan (negara sebelumnya)", "#country+code+origin", required="yes",
      appearance="minimal"),
    q("text", "previous_place", "Previous place (town or P-code)",
      "Tempat sebelumnya (kota atau P-code)", "#loc+name+origin"),
    q("select_one countries", "next_country", "Next destination: country",
      "Tujuan berikutnya: negara", "#country+code+next", appearance="minimal"),
    q("text", "next_area", "Next destination: admin area (P-code or name)",
      "Tujuan berikutnya: wilayah (P-code atau nama)", "#adm1+name+next"),
    q("select_one countries", "final_country", "Final destination: country",
      "Tujuan akhir: negara", "#country+code+dest", appearance="minimal"),
    q("text", "final_area", "Final destination: admin area (P-code or name)",
      "Tujuan akhir: wilayah (P-code atau nama)", "#adm1+name+dest"),
    q("select_one movement_reasons", "reason", "Main reason for the movement",
      "Alasan utama perjalanan", "#cause+type", required="yes"),
    end("group"),
]

FMR = FormSpec("dtm_fmr.xlsx", "dtm_fmr", "2026112901", "DTM Flow Monitoring Registry (FMR)",
               _FMR_ROWS)


# --- FMS: flow monitoring survey ------------------------------------------------------------

FLOW_CHOICES.update({
    "consent": [("yes", "Yes, I agree to answer", "Ya, saya setuju menjawab"),
                ("no", "No", "Tidak")],
    "yes_no_refused": [("yes", "Yes", "Ya"), ("no", "No", "Tidak"),
                       ("refused", "Prefers not to answer", "Tidak ingin menjawab")],
    "sexes": [("f", "Female", "Perempuan"), ("m", "Male", "Laki-laki")],
    "age_groups": [("14_17", "14–17", "14–17 tahun"), ("18_24", "18–24", "18–24 tahun"),
                   ("25_34", "25–34", "25–34 tahun"), ("35_44", "35–44", "35–44 tahun"),
                   ("45_59", "45–59", "45–59 tahun"), ("60_plus", "60 and over",
                                                       "60 tahun ke atas")],
    "education": [("none", "None", "Tidak sekolah"), ("primary", "Primary", "SD"),
                  ("secondary", "Secondary", "SMP / SMA"),
                  ("tertiary", "University", "Perguruan tinggi"),
                  ("vocational", "Vocational", "Kejuruan"),
                  ("religious", "Religious school", "Sekolah agama")],
    "employment": [("employed", "Employed", "Bekerja"),
                   ("self_employed", "Self-employed", "Wiraswasta"),
                   ("unemployed", "Unemployed, looking for work", "Menganggur"),
                   ("student", "Student", "Pelajar / mahasiswa"),
                   ("other", "Other", "Lainnya")],
})
_YN = "select_one yes_no_refused"
_CONSENT_HINT = (
    "Read the consent text: the interview is anonymous and voluntary, no name is written, "
    "and the person can stop at any time. Without a yes, the form ends here.",
    "Bacakan teks persetujuan: wawancara anonim dan sukarela, tidak ada nama yang ditulis, "
    "dan orang tersebut dapat berhenti kapan saja. Tanpa jawaban ya, formulir berakhir di sini.")
_FMS_ROWS = [
    *metadata(),
    q("text", "fmp_id", "FMP ID (from the master list)", "ID titik pemantauan (dari daftar induk)",
      "#loc+code", required="yes"),
    q("date", "survey_date", "Date of the interview", "Tanggal wawancara", "#date+survey",
      required="yes", constraint=". <= today()"),
    q("select_one consent", "consent", "Does the person agree to be interviewed?",
      "Apakah orang tersebut setuju untuk diwawancarai?", "#meta+consent", _CONSENT_HINT,
      required="yes"),
    begin("group", "profile", "Profile", "Profil", relevant="${consent} = 'yes'"),
    q("select_one sexes", "sex", "Sex", "Jenis kelamin", "#respondee+sex", required="yes"),
    q("select_one age_groups", "age_group", "Age group", "Kelompok umur", "#respondee+age",
      required="yes"),
    q("select_one countries", "nationality", "Nationality", "Kewarganegaraan",
      "#country+code+nationality", required="yes", appearance="minimal"),
    q("select_one education", "education", "Highest level of education",
      "Pendidikan tertinggi", "#respondee+education"),
    q("select_one employment", "employment_before", "Employment before leaving",
      "Pekerjaan sebelum berangkat", "#respondee+employment"),
    end("group"),
    begin("group", "journey", "Journey", "Perjalanan", relevant="${consent} = 'yes'"),
    q("select_one countries", "origin_country", "Country of origin (where the journey began)",
      "Negara asal (tempat perjalanan dimulai)", "#country+code+origin", appearance="minimal"),
    q("text", "origin_area", "Area of origin (P-code or name)", "Wilayah asal (P-code atau nama)",
      "#adm1+name+origin"),
    q("select_one countries", "departure_country", "Country of departure (last before here)",
      "Negara keberangkatan (terakhir sebelum ke sini)", "#country+code+departure",
      appearance="minimal"),
    begin("repeat", "route", "Stop on the way (in order)", "Persinggahan (berurutan)"),
    q("select_one countries", "route_country", "Country", "Negara", "#country+code+transit",
      required="yes", appearance="minimal"),
    q("text", "route_place", "Town or place", "Kota atau tempat", "#loc+name+transit"),
    q("integer", "route_days", "Days spent there", "Hari di sana", "#meta+days",
      constraint=". >= 0",
      **{f"constraint_message::{EN}": "Must be 0 or more.",
         f"constraint_message::{ID}": "Harus 0 atau lebih."}),
    end("repeat"),
    q("select_one countries", "destination_country", "Intended destination: country",
      "Tujuan yang dimaksud: negara", "#country+code+dest", appearance="minimal"),
    q("text", "destination_area", "Intended destination: area", "Tujuan yang dimaksud: wilayah",
      "#adm1+name+dest"),
    q("select_multiple movement_reasons", "reasons", "Reasons for leaving",
      "Alasan meninggalkan", "#cause+type", required="yes"),
    end("group"),
    begin("group", "vulnerability",
          "On the journey (counter-trafficking module): did you …",
          "Dalam perjalanan (modul anti-perdagangan orang): apakah Anda …",
          relevant="${consent} = 'yes'"),
    q(_YN, "unpaid_work", "… work without getting the payment you expected?",
      "… bekerja tanpa mendapat bayaran yang dijanjikan?", "#protection+unpaid_work"),
    q(_YN, "forced_work", "… work or perform activities against your will?",
      "… bekerja atau melakukan kegiatan di luar kehendak Anda?", "#protection+forced_work"),
    q(_YN, "held_against_will", "… be kept somewhere against your will?",
      "… ditahan di suatu tempat di luar kehendak Anda?", "#protection+held_against_will"),
    q(_YN, "violence", "… experience physical violence?", "… mengalami kekerasan fisik?",
      "#protection+violence"),
    q(_YN, "marriage_offer", "… receive an offer of an arranged marriage?",
      "… menerima tawaran perkawinan yang diatur?", "#protection+marriage_offer"),
    end("group"),
]

FMS = FormSpec("dtm_fms.xlsx", "dtm_fms", "2026112901", "DTM Flow Monitoring Survey (FMS)",
               _FMS_ROWS)
