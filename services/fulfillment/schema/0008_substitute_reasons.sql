-- A proposed substitute keeps why the catalog offered it, as codes with their parameters
-- (shared.events.SubstituteReason), so the handheld words it in the picker's language.
ALTER TABLE fulfillment.substitutes ADD COLUMN why jsonb NOT NULL DEFAULT '[]';
