import { useState } from "preact/hooks";
import { query } from "../api.ts";
import type { Page } from "../api.ts";
import type { Session } from "../session.ts";
import { ErrorNote, MoreButton, usePaged } from "../ui.tsx";

interface ProductModel {
  readonly id: string;
  readonly brand: string;
  readonly modelNumber: string;
  readonly modelName: string;
  readonly category: string;
  readonly warrantyMonths: number;
  readonly releaseDate: string | null;
}

/** The product-model catalog: a brand admin's own brand, or every brand for a super admin. */
export function CatalogPage({ session }: { session: Session }) {
  const [search, setSearch] = useState("");
  const [brand, setBrand] = useState("");
  const own = session.principal.role === "brand_admin";
  const filters = { q: search.trim(), brand: own ? undefined : brand.trim() };
  const paged = usePaged<ProductModel>(JSON.stringify(filters), (cursor) =>
    session.api.get<Page<ProductModel>>(`/api/v1/product-models${query({ ...filters, limit: 50, cursor })}`),
  );
  return (
    <>
      {own && <p>Models of {session.principal.brand}.</p>}
      <form class="filters" role="search" onSubmit={(event) => event.preventDefault()}>
        <label for="model-search">Model number or name contains</label>
        <input id="model-search" type="search" value={search} onChange={(event) => setSearch(event.currentTarget.value)} />
        {!own && (
          <>
            <label for="model-brand">Brand</label>
            <input id="model-brand" type="search" value={brand} onChange={(event) => setBrand(event.currentTarget.value)} />
          </>
        )}
      </form>
      <div class="table-wrap">
        <table>
          <caption>Product models by brand and model number</caption>
          <thead>
            <tr>
              <th scope="col">Brand</th>
              <th scope="col">Model number</th>
              <th scope="col">Name</th>
              <th scope="col">Category</th>
              <th scope="col">Warranty</th>
              <th scope="col">Released</th>
            </tr>
          </thead>
          <tbody>
            {paged.items.map((m) => (
              <tr key={m.id}>
                <td>{m.brand}</td>
                <td>{m.modelNumber}</td>
                <td>{m.modelName}</td>
                <td>{m.category}</td>
                <td>{m.warrantyMonths} months</td>
                <td>{m.releaseDate ?? "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ErrorNote error={paged.error} />
      <MoreButton paged={paged} noun="models" />
    </>
  );
}
