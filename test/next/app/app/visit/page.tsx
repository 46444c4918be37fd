// app/visit/page.tsx
import { countVisit } from './actions';

export default function Visit() {
  return (
    <form action={countVisit}>
      <button type="submit">Count a visit</button>
    </form>
  );
}
