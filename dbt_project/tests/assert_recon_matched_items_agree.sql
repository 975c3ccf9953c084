-- A matched leg explains nothing in the account bridge: its GL amount must equal the
-- document's (within the amount tolerance). One that differs is a matching defect.
select leg_id, signed_base, gl_signed_base
from {{ ref('recon_event_leg_status') }}
where recon_status = 'matched'
    and gl_signed_base is not null
    and abs(gl_signed_base - signed_base) > {{ recon_tolerance('amount_base') }}
