-- A proposed substitute keeps why the catalog offered it as codes with their parameters too
-- (shared.events.SubstituteReason), so the order words it in the language its reader asks for;
-- proposals made before keep their English sentence alone.
ALTER TABLE orders.substitutions ADD COLUMN why jsonb NOT NULL DEFAULT '[]';
